"""The one email address rule, for both vendors.

Neither vendor publishes its rule beyond "a valid email" (Omnisend v3 marks the fields
`format: email`; Klaviyo answers "Invalid email address"), so the sandbox takes the limits of the
mail standard every mail system enforces (RFC 5321, "Size Limits and Minimums",
https://www.rfc-editor.org/rfc/rfc5321#section-4.5.3.1, read 2026-12-06, with the 254-character
path limit of RFC 3696 erratum 1690, https://www.rfc-editor.org/errata/eid1690): at most 254
characters, a local part of at most 64, domain labels of at most 63, at least one dot in the
domain, and no whitespace or control character (a NUL included) anywhere."""
from __future__ import annotations

import re

_CHAR = r"[^@\s\x00-\x1f\x7f]"
_LABEL = r"[^@\s\x00-\x1f\x7f.]{1,63}"
EMAIL = re.compile(rf"^(?=.{{1,254}}\Z){_CHAR}{{1,64}}@(?:{_LABEL}\.)+{_LABEL}\Z", re.DOTALL)
