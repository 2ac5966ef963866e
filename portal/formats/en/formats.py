"""The same formats as in Chinese (portal/formats/zh_Hans): ISO dates in either language."""

from portal.formats.zh_Hans.formats import *  # noqa: F403
