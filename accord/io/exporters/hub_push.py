"""Uploading a ``--to hub`` export to the Hugging Face Hub (``--push-to-hub REPO``).

Needs network access, the ``huggingface_hub`` package (installed with
``datasets``) and a write token in ``$HF_TOKEN`` (or a prior
``huggingface-cli login``). The directory is uploaded as is: the Parquet
shards under ``data/`` and the README.md dataset card, which the Hub reads
for the dataset viewer, the splits and the metadata.
"""

from __future__ import annotations

import os
from pathlib import Path

from accord.errors import InputError

__all__ = ["push_to_hub"]


def push_to_hub(directory: str | Path, repo: str, *, private: bool = False) -> str:
    """Create the dataset repository ``repo`` if needed and upload ``directory``; returns its URL.

    Raises
    ------
    InputError
        When ``directory`` is not a ``hub`` export or huggingface_hub is missing.
    """
    path = Path(directory)
    if not (path / "README.md").is_file() or not (path / "data").is_dir():
        raise InputError("--push-to-hub needs a --to hub export (data/ shards and README.md)",
                         path=str(path), field="--push-to-hub")
    try:
        from huggingface_hub import HfApi
    except ImportError:
        raise InputError("--push-to-hub needs huggingface_hub (pip install 'accord[hf]')",
                         field="--push-to-hub") from None
    api = HfApi(token=os.environ.get("HF_TOKEN"))
    api.create_repo(repo, repo_type="dataset", private=private, exist_ok=True)
    api.upload_folder(folder_path=str(path), repo_id=repo, repo_type="dataset",
                      ignore_patterns=[".accord-export"])
    return f"https://huggingface.co/datasets/{repo}"
