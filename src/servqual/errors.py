"""The project's own error type.

Messages are English templates with named fields; the command line and the web app
translate the template (``message_id``) and fill in the same fields, so every error
reads well in Dutch and English and still names the file, row and column.
"""

from __future__ import annotations

from typing import Any


class ServqualError(Exception):
    """Bad input or an impossible request, told in one clear line.

    Parameters
    ----------
    message_id
        English template with ``{name}`` fields, marked for translation with ``N_``.
    **params
        Values for the template's fields (file, row, column, value, ...).
    """

    def __init__(self, message_id: str, /, **params: Any) -> None:
        self.message_id = message_id
        self.params = params
        super().__init__(message_id.format(**params))

    def render(self, gettext: Any = None) -> str:
        """The message, translated with ``gettext`` when one is given."""
        template = gettext(self.message_id) if gettext else self.message_id
        return template.format(**self.params)
