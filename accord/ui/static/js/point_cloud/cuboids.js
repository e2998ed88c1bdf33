// Cuboid geometry in the browser, mirroring accord/quality/cuboids.py (points_in_cuboid):
// a point is inside when, moved into the cuboid's frame (translated by the center, turned by
// -yaw about z), |dx| <= l/2, |dy| <= w/2 and |dz| <= h/2 (faces included).

const EPS = 1e-9;

/** A Uint8Array mask over the points (Float32Array, 4 values per point) inside the cuboid. */
export function insideMask(points, c, mask = null) {
  const n = points.length / 4;
  const out = mask || new Uint8Array(n);
  const cos = Math.cos(c.yaw), sin = Math.sin(c.yaw);
  const hl = c.l / 2 + EPS, hw = c.w / 2 + EPS, hh = c.h / 2 + EPS;
  for (let i = 0; i < n; i += 1) {
    const dx = points[4 * i] - c.x, dy = points[4 * i + 1] - c.y, dz = points[4 * i + 2] - c.z;
    if (Math.abs(dz) > hh) continue;
    const u = dx * cos + dy * sin;
    if (Math.abs(u) > hl) continue;
    const v = -dx * sin + dy * cos;
    if (Math.abs(v) <= hw) out[i] = 1;
  }
  return out;
}

/** How many points lie inside the cuboid. */
export function countInside(points, c) {
  const mask = insideMask(points, c);
  let n = 0;
  for (let i = 0; i < mask.length; i += 1) n += mask[i];
  return n;
}

/** The 8 corners [x, y, z]: bottom face counter-clockwise from front-left, then the top. */
export function corners(c) {
  const cos = Math.cos(c.yaw), sin = Math.sin(c.yaw);
  const out = [];
  for (const dz of [-c.h / 2, c.h / 2]) {
    for (const [dx, dy] of [[c.l / 2, c.w / 2], [-c.l / 2, c.w / 2], [-c.l / 2, -c.w / 2], [c.l / 2, -c.w / 2]]) {
      out.push([c.x + dx * cos - dy * sin, c.y + dx * sin + dy * cos, c.z + dz]);
    }
  }
  return out;
}

/** The angle wrapped to [-pi, pi]. */
export function wrapAngle(a) {
  let x = (a + Math.PI) % (2 * Math.PI);
  if (x < 0) x += 2 * Math.PI;
  return x - Math.PI;
}
