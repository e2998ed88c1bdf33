"""Text repair: mojibake, Unicode normalization and control characters.

Three passes over every text slot, in this order:

1. **ftfy** [1]_ repairs mojibake (UTF-8 decoded as cp1252 and the like),
   HTML entities in text without tags, terminal escapes, C1 controls, lone
   surrogates and ``\\r\\n`` line breaks. Curly quotes, ligatures and
   full-width letters are left alone (they are real text for a language
   model); NFKC folds the last two when asked for.
2. **Control characters** (category ``Cc``) are removed, except ``\\n`` and
   ``\\t`` (before normalizing, so that removing one cannot leave a
   combining sequence unnormalized).
3. **Unicode normalization** to NFC (default) or NFKC [2]_.

References
----------
.. [1] R. Speer, "ftfy", Zenodo, 2019. https://doi.org/10.5281/zenodo.2591652
.. [2] Unicode Standard Annex #15, "Unicode Normalization Forms".
   https://www.unicode.org/reports/tr15/
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any, Literal

from accord.prep.step import KEEP, Document, Verdict, snippet_pair

__all__ = ["FixStep", "fix_text", "strip_controls"]

Normalization = Literal["NFC", "NFKC"]

# Every C0 and C1 control except TAB (\x09) and LF (\x0a).
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def strip_controls(text: str) -> str:
    r"""Remove control characters (Unicode category ``Cc``) except ``\n`` and ``\t``.

    Examples
    --------
    >>> strip_controls("a\x00b\tc\nd\x1b")
    'ab\tc\nd'
    """
    return _CONTROLS.sub("", text)


def _ftfy_config() -> Any:
    import ftfy

    return ftfy.TextFixerConfig(
        uncurl_quotes=False,
        fix_latin_ligatures=False,
        fix_character_width=False,
        normalization=None,
        explain=False,
    )


def fix_text(
    text: str,
    *,
    normalization: Normalization = "NFC",
    use_ftfy: bool = True,
    _config: Any = None,
) -> str:
    """Repair one string (ftfy, normalization, control characters).

    Parameters
    ----------
    text : str
        The string to repair.
    normalization : {'NFC', 'NFKC'}, default 'NFC'
        Unicode normalization form.
    use_ftfy : bool, default True
        Run ftfy first; without it only normalization and control stripping run.

    Returns
    -------
    str
        The repaired string (equal to ``text`` when nothing needed fixing).

    Examples
    --------
    >>> fix_text("The Mona Lisa doesnâ€™t have eyebrows.")
    'The Mona Lisa doesn’t have eyebrows.'
    >>> fix_text("ﬁne", normalization="NFKC")
    'fine'
    """
    if use_ftfy:
        import ftfy

        text = ftfy.fix_text(text, _config if _config is not None else _ftfy_config())
    return unicodedata.normalize(normalization, strip_controls(text))


class FixStep:
    """Per-record step that repairs every text slot with :func:`fix_text`.

    Parameters
    ----------
    normalization : {'NFC', 'NFKC'}, default 'NFC'
    use_ftfy : bool, default True

    Examples
    --------
    >>> from accord.prep.record_text import find_text_slots
    >>> rec = {"text": "caf\\u0065\\u0301\\x07"}
    >>> doc = Document(rec, find_text_slots(rec))
    >>> FixStep()(doc).action, rec["text"]
    ('change', 'café')
    """

    name = "fix"

    def __init__(self, normalization: Normalization = "NFC", use_ftfy: bool = True) -> None:
        self.normalization = normalization
        self.use_ftfy = use_ftfy
        self._config = _ftfy_config() if use_ftfy else None

    def __call__(self, doc: Document) -> Verdict:
        example: tuple[str, str] | None = None
        for i, slot in enumerate(doc.slots):
            fixed = fix_text(
                slot.text,
                normalization=self.normalization,
                use_ftfy=self.use_ftfy,
                _config=self._config,
            )
            if fixed != slot.text:
                if example is None:
                    example = snippet_pair(slot.text, fixed)
                doc.replace(i, fixed)
        if example is None:
            return KEEP
        return Verdict("change", example=example)
