"""Client.create_dataset from a settings file: a bad file fails before any request,
naming the file and the line (accord.schema.yaml_lines.read_yaml, as the CLI)."""

from __future__ import annotations

import pytest

from accord.client import Client
from accord.errors import InputError


def test_create_dataset_from_a_file_and_from_a_broken_one(live_server, tmp_path):
    admin = Client(live_server.url, live_server.admin_token)
    good = tmp_path / "s.yaml"
    good.write_text("fields:\n  - {name: text, type: text}\nquestions:\n"
                    "  - {name: y, type: label, labels: [a, b]}\n")
    assert admin.create_dataset("from-file", good).name == "from-file"
    broken = tmp_path / "broken.yaml"
    broken.write_bytes(b"fields:\n  - {name: caf\xe9, type: text}\n")
    with pytest.raises(InputError) as err:
        admin.create_dataset("never", broken)
    assert str(err.value) == f"{broken}:2: not valid UTF-8 at byte 22"
    broken.write_text("fields: [{name: t, type: text}\n")
    with pytest.raises(InputError) as err:
        admin.create_dataset("never", broken)
    assert (err.value.path, err.value.line) == (str(broken), 2)
    assert "never" not in [d.name for d in admin.datasets()]
