"""Python client for accord's REST API.

>>> from accord import Client                                # doctest: +SKIP
>>> client = Client("http://127.0.0.1:8000", token="acc_...")  # doctest: +SKIP
>>> rec = client.next_record("intents")                      # doctest: +SKIP
>>> client.submit("intents", rec.id, {"intent": "billing"})  # doctest: +SKIP

Errors come back as :mod:`accord.errors` exceptions: 422 -> ``InputError``
(``.field`` names the question), 404 -> ``NotFound``, 409 -> ``Conflict``,
401/403 -> ``Forbidden``; anything else -> ``AccordError``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import httpx

from accord.errors import AccordError, Conflict, Forbidden, InputError, NotFound

__all__ = ["Client", "Dataset", "Record", "Suggestion", "ResponseInfo", "ImportResult",
           "ReviewInfo"]


@dataclass
class Suggestion:
    question: str
    value: Any
    score: float | None
    agent: str
    metadata: dict[str, Any] | None = None


@dataclass
class ResponseInfo:
    id: int
    record_id: int
    user: str
    values: dict[str, Any]
    status: str
    version: int
    time_spent: float
    review_state: str | None = None
    # after a training answer: {"phase", "correct", "score", "answer", "explanation"}
    feedback: dict[str, Any] | None = None
    # the dataset's settings version when the response was last saved
    settings_version: int | None = None


@dataclass
class Record:
    id: int
    external_id: str
    fields: dict[str, Any]
    metadata: dict[str, Any]
    status: str
    suggestions: list[Suggestion] = field(default_factory=list)
    response: ResponseInfo | None = None
    responses: list[ResponseInfo] | None = None
    is_gold: bool | None = None
    priority: float = 0.0  # higher is handed out first


@dataclass
class Dataset:
    id: int
    name: str
    settings: dict[str, Any]
    settings_version: int
    counts: dict[str, int] | None = None


@dataclass
class ImportResult:
    inserted: int
    updated: int
    rejected: int
    rejects: list[dict[str, Any]]


@dataclass
class ReviewInfo:
    id: int
    response_id: int
    reviewer: str | None
    verdict: str
    reason: str | None
    values: dict[str, Any] | None
    comment: str | None = None
    response_version: int | None = None
    in_force: bool = True
    created_at: str | None = None


def _review(data: dict[str, Any]) -> ReviewInfo:
    return ReviewInfo(id=data["id"], response_id=data["response_id"], reviewer=data["reviewer"],
                      verdict=data["verdict"], reason=data["reason"], values=data["values"],
                      comment=data.get("comment"), response_version=data.get("response_version"),
                      in_force=data.get("in_force", True), created_at=data.get("created_at"))


def _response(data: dict[str, Any]) -> ResponseInfo:
    return ResponseInfo(id=data["id"], record_id=data["record_id"], user=data["user"],
                        values=data["values"], status=data["status"], version=data["version"],
                        time_spent=data["time_spent"], review_state=data.get("review_state"),
                        feedback=data.get("feedback"),
                        settings_version=data.get("settings_version"))


def _record(data: dict[str, Any]) -> Record:
    return Record(id=data["id"], external_id=data["external_id"], fields=data["fields"],
                  metadata=data.get("metadata") or {}, status=data["status"],
                  suggestions=[Suggestion(**s) for s in data.get("suggestions", [])],
                  response=_response(data["response"]) if data.get("response") else None,
                  responses=[_response(r) for r in data["responses"]]
                  if data.get("responses") is not None else None,
                  is_gold=data.get("is_gold"), priority=data.get("priority", 0.0))


def _dataset(data: dict[str, Any]) -> Dataset:
    return Dataset(id=data["id"], name=data["name"], settings=data["settings"],
                   settings_version=data["settings_version"], counts=data.get("counts"))


def _raise_for(resp: httpx.Response) -> NoReturn:
    """Raise the :mod:`accord.errors` exception of an error response (read in full)."""
    try:
        err = resp.json()["error"]
        message, fld, reason = err.get("message", resp.text), err.get("field"), err.get("reason")
    except (ValueError, KeyError, TypeError, AttributeError):
        message, fld, reason = resp.text, None, None
    if resp.status_code == 422:
        raise InputError(message, field=fld)
    if resp.status_code == 404:
        raise NotFound(message)
    if resp.status_code == 409:
        raise Conflict(message, reason=reason)
    if resp.status_code in (401, 403):
        raise Forbidden(message, reason=reason)
    raise AccordError(f"HTTP {resp.status_code}: {message}")


class Client:
    """A thin, typed client; one method per API operation.

    Parameters
    ----------
    url : str
        Server base URL, e.g. ``http://127.0.0.1:8000``.
    token : str
        API token (``accord token create USER``).
    timeout : float
        Seconds per request.
    """

    def __init__(self, url: str, token: str, *, timeout: float = 60.0,
                 transport: httpx.BaseTransport | None = None) -> None:
        self._http = httpx.Client(base_url=url.rstrip("/") + "/api/v1", timeout=timeout,
                                  headers={"Authorization": f"Bearer {token}"},
                                  transport=transport)
        self._last_headers: httpx.Headers = httpx.Headers()
        #: why the last :meth:`next_record` returned None: ``needs_guidelines_ack``,
        #: ``training``, ``qualification``, ``qualification_failed``, ``paused``,
        #: ``quota_reached``, ``onboarding_unavailable`` or ``no_records`` (None after a record)
        self.last_next_reason: str | None = None
        #: when a failed qualification may be retried (ISO 8601), with that reason
        self.last_next_retry_at: str | None = None

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- plumbing -----------------------------------------------------------------
    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            resp = self._http.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise AccordError(f"cannot reach the accord server: {exc}") from None
        self._last_headers = resp.headers
        if resp.status_code == 204:
            return None
        if resp.is_success:
            return resp.json()
        _raise_for(resp)

    # -- datasets -----------------------------------------------------------------
    def datasets(self) -> list[Dataset]:
        return [_dataset(d) for d in self._call("GET", "/datasets")]

    def dataset(self, name: str) -> Dataset:
        return _dataset(self._call("GET", f"/datasets/{name}"))

    def create_dataset(self, name: str, settings: dict[str, Any] | str | Path) -> Dataset:
        """Create a dataset from a settings mapping or a YAML/JSON settings file."""
        if isinstance(settings, (str, Path)):
            from accord.schema.yaml_lines import read_yaml

            settings = read_yaml(settings).data
        return _dataset(self._call("POST", "/datasets", json={"name": name,
                                                               "settings": settings}))

    def update_settings(self, name: str, settings: dict[str, Any]) -> Dataset:
        return _dataset(self._call("PUT", f"/datasets/{name}/settings", json=settings))

    def rename_labels(self, dataset: str, question: str,
                      mapping: dict[str, str]) -> dict[str, Any]:
        """Rename labels (``{old: new}``) in the settings (a new version) and in every stored
        answer, in one transaction; returns ``{"settings_version", "rewritten"}``."""
        return dict(self._call("POST", f"/datasets/{dataset}/settings/rename-labels",
                               json={"question": question, "mapping": mapping}))

    def add_member(self, dataset: str, user: str) -> None:
        self._call("POST", f"/datasets/{dataset}/members", json={"user": user})

    # -- records ------------------------------------------------------------------
    def import_records(self, dataset: str, records: list[dict[str, Any]], *,
                       on_error: str = "fail", mapping: dict[str, str] | None = None,
                       batch_size: int = 10_000) -> ImportResult:
        """Upsert records (dicts with ``id``/``external_id``, field columns, metadata)."""
        total = ImportResult(0, 0, 0, [])
        for start in range(0, max(len(records), 1), batch_size):
            chunk = records[start:start + batch_size]
            data = self._call("POST", f"/datasets/{dataset}/records",
                              json={"records": chunk, "on_error": on_error,
                                    "mapping": mapping or {}})
            total.inserted += data["inserted"]
            total.updated += data["updated"]
            total.rejected += data["rejected"]
            total.rejects.extend(data["rejects"])
        return total

    def records(self, dataset: str, *, page_size: int = 200, **filters: Any) -> Iterator[Record]:
        """All records matching filters (``status``, ``q``, ``metadata.KEY``,
        ``response.QUESTION``, ``annotator``, ``min_agreement``, ``max_agreement``,
        ``min_score``, ``max_score``, ``sort="-id"`` for newest first), following the
        keyset cursor."""
        cursor = 0
        key = "before" if filters.get("sort") == "-id" else "after"
        while True:
            params = {**filters, "limit": page_size}
            if cursor or key == "after":
                params[key] = cursor
            page = self._call("GET", f"/datasets/{dataset}/records", params=params)
            for r in page["records"]:
                yield _record(r)
            if page["next_cursor"] is None:
                return
            cursor = page["next_cursor"]

    def record(self, dataset: str, record_id: int) -> Record:
        return _record(self._call("GET", f"/datasets/{dataset}/records/{record_id}"))

    def similar_records(self, dataset: str, *, record: int | None = None,
                        text: str | None = None, k: int = 10,
                        vector: str | None = None) -> list[tuple[Record, float]]:
        """The ``k`` records most similar to record id ``record`` or to ``text``, with their
        cosine similarity, best first (vectors stored by ``accord assist embed``)."""
        params: dict[str, Any] = {"k": k}
        if record is not None:
            params["record"] = record
        if text is not None:
            params["q"] = text
        if vector is not None:
            params["vector"] = vector
        page = self._call("GET", f"/datasets/{dataset}/records/similar", params=params)
        return [(_record(hit["record"]), float(hit["score"])) for hit in page["records"]]

    def bulk_records(self, dataset: str, action: str, ids: list[int], *,
                     priority: float | None = None, comment: str | None = None) -> int:
        """Set the ``priority`` of, mark as ``gold`` (their consensus as answers), send to
        ``review`` (their judged responses go back to the review queue, with an optional
        ``comment`` in the review history) or ``delete`` many records at once; returns how
        many records."""
        body: dict[str, Any] = {"action": action, "ids": ids}
        if priority is not None:
            body["priority"] = priority
        if comment is not None:
            body["comment"] = comment
        return int(self._call("POST", f"/datasets/{dataset}/records/bulk", json=body)["records"])

    def add_suggestions(self, dataset: str, agent: str,
                        suggestions: list[dict[str, Any]]) -> int:
        """Add or replace ``agent``'s suggestions: dicts with record_id or external_id,
        question, value and optional score and metadata (kept as given; a
        ``metadata.distribution`` of class -> probability over the question's classes,
        summing to 1, feeds active learning's margin and entropy)."""
        data = self._call("PUT", f"/datasets/{dataset}/suggestions",
                          json={"agent": agent, "suggestions": suggestions})
        return int(data["suggestions"])

    def review_pii(self, dataset: str, record_id: int, *, slot: str, start: int, end: int,
                   state: str) -> dict[str, Any]:
        """Confirm (``state="confirmed"``) or dismiss a PII finding of a record (reviewers
        and admins); returns the record's findings ``{slot: [...]}``."""
        body = {"slot": slot, "start": start, "end": end, "state": state}
        return dict(self._call("PUT", f"/datasets/{dataset}/records/{record_id}/pii",
                               json=body)["pii"])

    def vector_names(self, dataset: str) -> list[dict[str, Any]]:
        """The stored vector names: ``[{"name", "records", "dimension"}]``."""
        return list(self._call("GET", f"/datasets/{dataset}/vectors")["vectors"])

    def iter_vectors(self, dataset: str, name: str, *,
                     page_size: int = 500) -> Iterator[dict[str, Any]]:
        """``{"record_id", "external_id", "vector"}`` for every record with vector ``name``,
        in record id order, following the keyset cursor."""
        cursor = 0
        while True:
            page = self._call("GET", f"/datasets/{dataset}/vectors/{name}",
                              params={"after": cursor, "limit": page_size})
            yield from page["records"]
            if page["next_cursor"] is None:
                return
            cursor = page["next_cursor"]

    def set_gold(self, dataset: str, record_id: int, values: dict[str, Any], *,
                 explanation: str | None = None, attention: bool = False) -> None:
        """Make a record gold; ``explanation`` is shown after a training answer,
        ``attention`` marks an attention check."""
        self._call("PUT", f"/datasets/{dataset}/records/{record_id}/gold",
                   json={"values": values, "explanation": explanation, "attention": attention})

    # -- annotating ---------------------------------------------------------------
    def next_record(self, dataset: str) -> Record | None:
        """The next record for the caller (leased to them), or None when nothing is left.

        After None, :attr:`last_next_reason` says why (and :attr:`last_next_retry_at`
        when a failed qualification may be retried); :meth:`onboarding_status` has the
        message to show.
        """
        data = self._call("POST", f"/datasets/{dataset}/next")
        self.last_next_reason = self._last_headers.get("x-accord-reason")
        self.last_next_retry_at = self._last_headers.get("x-accord-retry-at")
        if data is None and self.last_next_reason is None:
            self.last_next_reason = "no_records"
        return None if data is None else _record(data)

    # -- workforce ----------------------------------------------------------------
    def onboarding_status(self, dataset: str) -> dict[str, Any]:
        """Where the caller stands: ``state`` (``ok`` or a reason), ``message``, ``phase``,
        ``done``/``needed``, ``retry_at``, ``pause_reason``, ``quota``/``used``."""
        return dict(self._call("GET", f"/datasets/{dataset}/onboarding"))

    def acknowledge_guidelines(self, dataset: str) -> dict[str, Any]:
        """Acknowledge the dataset's current guidelines; returns the onboarding status."""
        return dict(self._call("POST", f"/datasets/{dataset}/onboarding/acknowledge"))

    def workforce(self, dataset: str) -> list[dict[str, Any]]:
        """(admin) Every member's phase, pass/fail, pause with reason, and quota use."""
        return list(self._call("GET", f"/datasets/{dataset}/workforce"))

    def update_member(self, dataset: str, user: str, **changes: Any) -> list[dict[str, Any]]:
        """(admin) ``quota=N`` (None: the dataset default), ``paused=True/False`` with
        ``reason``, ``reset_onboarding=True``."""
        return list(self._call("PATCH", f"/datasets/{dataset}/workforce/{user}", json=changes))

    def unpause(self, dataset: str, user: str) -> list[dict[str, Any]]:
        """(admin) Resume a paused member."""
        return list(self._call("POST", f"/datasets/{dataset}/workforce/{user}/unpause"))

    def check_workforce(self, dataset: str) -> list[dict[str, Any]]:
        """(admin) Run the monitoring checks now; returns who was paused and why."""
        return list(self._call("POST", f"/datasets/{dataset}/workforce/check"))

    def timesheet(self, dataset: str, *, csv: bool = False,
                  since: str | None = None, until: str | None = None) -> Any:
        """Rows per annotator and day (``date, user, records, active_seconds,
        median_seconds``); with ``csv`` the CSV text."""
        params = {k: v for k, v in {"since": since, "until": until}.items() if v}
        if csv:
            params["format"] = "csv"
            try:
                resp = self._http.get(f"/datasets/{dataset}/timesheet", params=params)
            except httpx.HTTPError as exc:
                raise AccordError(f"cannot reach the accord server: {exc}") from None
            if not resp.is_success:
                return self._call("GET", f"/datasets/{dataset}/timesheet", params=params)
            return resp.text
        return list(self._call("GET", f"/datasets/{dataset}/timesheet", params=params)["rows"])

    def _save(self, dataset: str, record_id: int, values: dict[str, Any] | None, status: str,
              version: int | None, time_spent: float) -> ResponseInfo:
        return _response(self._call("PUT", f"/datasets/{dataset}/records/{record_id}/response",
                                    json={"values": values or {}, "status": status,
                                          "version": version, "time_spent": time_spent}))

    def submit(self, dataset: str, record_id: int, values: dict[str, Any], *,
               version: int | None = None, time_spent: float = 0.0) -> ResponseInfo:
        """Submit ``{question name: value}`` for a record."""
        return self._save(dataset, record_id, values, "submitted", version, time_spent)

    def save_draft(self, dataset: str, record_id: int, values: dict[str, Any], *,
                   version: int | None = None, time_spent: float = 0.0) -> ResponseInfo:
        return self._save(dataset, record_id, values, "draft", version, time_spent)

    def discard(self, dataset: str, record_id: int, *, version: int | None = None,
                time_spent: float = 0.0) -> ResponseInfo:
        return self._save(dataset, record_id, None, "discarded", version, time_spent)

    # -- review -------------------------------------------------------------------
    def next_for_review(self, dataset: str, *, annotator: str | None = None,
                        disagreement: bool = False, after: int = 0) -> Record | None:
        """(reviewer) The next record with a response to judge; ``after``: a record id, to
        pass over records left for later (the queue continues after it)."""
        params: dict[str, Any] = {"disagreement": disagreement, "after": after}
        if annotator:
            params["annotator"] = annotator
        data = self._call("GET", f"/datasets/{dataset}/review/next", params=params)
        return None if data is None else _record(data)

    def review(self, dataset: str, response_id: int, verdict: str, *, version: int,
               reason: str | None = None, values: dict[str, Any] | None = None,
               comment: str | None = None) -> ReviewInfo:
        """``verdict``: accept, reject (needs ``reason``) or fix (needs ``values``) on
        ``version`` of the response (the ``ResponseInfo.version`` you judged), with an
        optional ``comment``; raises :class:`~accord.errors.Conflict` (``reason``
        ``stale_version``) when the annotator changed it since."""
        data = self._call("POST", f"/datasets/{dataset}/responses/{response_id}/review",
                          json={"verdict": verdict, "version": version, "reason": reason,
                                "values": values, "comment": comment})
        return _review(data)

    def reviews(self, dataset: str, response_id: int) -> list[ReviewInfo]:
        """The review history of a response, oldest first (``in_force`` marks the verdict
        that applies to its current version). Annotators may ask for their own only."""
        return [_review(d) for d in self._call(
            "GET", f"/datasets/{dataset}/responses/{response_id}/reviews")]

    def my_progress(self, dataset: str) -> dict[str, Any]:
        """Your progress in a dataset: ``done`` of ``records``, ``left`` for you, drafts,
        skips and quota (docs/api.md)."""
        return dict(self._call("GET", f"/datasets/{dataset}/my/progress"))

    def my_rejected(self, dataset: str, *, limit: int = 100) -> list[dict[str, Any]]:
        """Your responses whose verdict in force is a rejection, with the reviewer's reason
        and comment; submit the record again to send a fixed version back to review."""
        return list(self._call("GET", f"/datasets/{dataset}/my/rejected",
                               params={"limit": limit}))

    def response_history(self, dataset: str, response_id: int) -> list[dict[str, Any]]:
        return list(self._call("GET", f"/datasets/{dataset}/responses/{response_id}/history"))

    # -- export -------------------------------------------------------------------
    def export(self, dataset: str, format: str, path: str | Path, **options: Any) -> Path:
        """Download an export of ``dataset`` (``GET /datasets/{name}/export``) to ``path``.

        The body is streamed to a temporary file next to ``path`` and renamed
        to ``path`` once complete: an error, a dropped connection or Ctrl-C never
        leaves a partial file under that name (an existing file stays as it was).

        Parameters
        ----------
        dataset : str
        format : str
            As ``accord export --format`` (``jsonl``, ``parquet``, ``dpo``, ...).
        path : str or Path
            The file to write; its directory must exist.
        **options
            The endpoint's query parameters (docs/export.md): ``to``,
            ``aggregate``, ``min_agreement``, ``min_responses``, ``status``,
            ``drop_contradictory``, ``exclude_gold``, ``pairs``, ``split`` (text
            ``"train=0.9,test=0.1"`` or a mapping) with ``part``, ``seed``, ...

        Returns
        -------
        Path
            ``path``.

        Raises
        ------
        InputError
            Bad options (``.field`` names the parameter) or a missing directory.
        NotFound, Forbidden, AccordError
        """
        from accord.atomic import atomic_output

        params: dict[str, Any] = {"format": format}
        for key, value in options.items():
            if isinstance(value, dict):
                value = ",".join(f"{k}={v}" for k, v in value.items())
            elif isinstance(value, (list, tuple)):
                value = ",".join(str(v) for v in value)
            if value is not None:
                params[key] = value
        target = Path(path)
        try:
            with self._http.stream("GET", f"/datasets/{dataset}/export", params=params,
                                   timeout=httpx.Timeout(self._http.timeout.read,
                                                         read=None)) as resp:
                if not resp.is_success:
                    resp.read()
                    _raise_for(resp)
                with atomic_output(target) as fh:
                    for chunk in resp.iter_bytes(1 << 20):
                        fh.write(chunk)
        except httpx.HTTPError as exc:
            raise AccordError(f"export download of {dataset!r} failed: {exc}") from None
        return target

    # -- stats, users, audit ------------------------------------------------------
    def meta(self) -> dict[str, Any]:
        """What the server supports (``GET /api/v1/meta``): ``question_types`` (settings
        schema, value example, agreement metric and level, consensus methods, export roles,
        UI metadata), ``export_formats`` with their options, ``aggregation_methods``,
        ``agreement_metrics``, ``export_roles`` and ``field_types``."""
        return dict(self._call("GET", "/meta"))

    def stats(self, dataset: str) -> dict[str, Any]:
        return dict(self._call("GET", f"/datasets/{dataset}/stats"))

    def dashboard(self, dataset: str) -> dict[str, Any]:
        """``{"changes": {"rows": [{metric, last, previous, change}], ...},
        "distributions": {question: {"type", "answers", "counts": [[label, n]]}}}``."""
        return dict(self._call("GET", f"/datasets/{dataset}/dashboard"))

    def report(self, dataset: str, *, slices: list[str] | None = None,
               group_by: list[str] | None = None, questions: list[str] | None = None,
               markdown: bool = False, **thresholds: Any) -> Any:
        """(reviewer) The bias and dataset-health report (docs/report.md) as a dict; with
        ``markdown`` its markdown text. ``thresholds``: ``min_records``, ``min_annotators``,
        ``majority_share``, ``minority_share``, ``significance``."""
        params: dict[str, Any] = {"slice": list(slices or []), "group_by": list(group_by or []),
                                  "question": list(questions or []), **thresholds}
        if not markdown:
            return dict(self._call("GET", f"/datasets/{dataset}/report", params=params))
        params["format"] = "markdown"
        resp = self._http.get(f"/datasets/{dataset}/report", params=params)
        if not resp.is_success:
            raise AccordError(f"HTTP {resp.status_code}: {resp.text}")
        return resp.text

    def create_user(self, name: str, role: str, password: str | None = None, *,
                    attributes: dict[str, Any] | None = None) -> dict[str, Any]:
        return dict(self._call("POST", "/users", json={"name": name, "role": role,
                                                       "password": password,
                                                       "attributes": attributes}))

    def update_user(self, name: str, *, role: str | None = None, active: bool | None = None,
                    attributes: dict[str, Any] | None = None) -> dict[str, Any]:
        """Change a user; ``attributes`` are merged (a None value drops a key)."""
        body = {k: v for k, v in {"role": role, "active": active,
                                  "attributes": attributes}.items() if v is not None}
        return dict(self._call("PATCH", f"/users/{name}", json=body))

    def set_password(self, name: str, password: str) -> dict[str, Any]:
        """(admin) Set or reset ``name``'s password; their sessions and API tokens are
        revoked."""
        return dict(self._call("PATCH", f"/users/{name}", json={"password": password}))

    def change_password(self, current_password: str, new_password: str) -> None:
        """Change your own password (the current one is required). Your API tokens,
        including the one this client uses, are revoked: create a new one afterwards."""
        self._call("POST", "/auth/password", json={"current_password": current_password,
                                                   "new_password": new_password})

    def create_token(self, user: str, label: str = "", *, expires_in: str | None = None) -> str:
        """A new API token for ``user`` (admin, or the user themself); ``expires_in``
        like ``30d``, ``12h``. The token is returned once and never again."""
        params = {"label": label, **({"expires_in": expires_in} if expires_in else {})}
        return str(self._call("POST", f"/users/{user}/tokens", params=params)["token"])

    def tokens(self, user: str) -> list[dict[str, Any]]:
        """``user``'s API tokens without their secret: ``id, prefix, label, created_at,
        last_used_at, expires_at, revoked``."""
        return list(self._call("GET", f"/users/{user}/tokens"))

    def revoke_token(self, token_id: int) -> None:
        """Revoke an API token by id (admin, or its owner)."""
        self._call("DELETE", f"/tokens/{token_id}")

    def audit(self, *, dataset: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
        params: dict[str, Any] = {"limit": limit}
        if dataset:
            params["dataset"] = dataset
        return list(self._call("GET", "/audit", params=params))
