"""The one door to the control plane's settings (ir.config_parameter rows).

Each addon declares its settings once, in a plain module of its own
(``<addon>/settings.py``)::

    SETTINGS = declare(
        Setting("saas_backup.keep_daily", INT, 7, minimum=0, maximum=1000),
        Setting("saas_backup.require_before_terminate", BOOL, True),
    )

and reads them only through :func:`get` (``settings.get(env, key)``), which
parses the stored text into the declared type, the declared default when the
key is absent or unreadable.  The settings screen writes them through
:func:`to_text` (saas_base's mixin on res.config.settings), so that what is
stored always says what the administrator chose: an unticked Boolean is
stored ``False`` and a 0 is stored ``0`` (Odoo's own ``config_parameter``
handling deletes the row for both, and a default of True or of a positive
number would come back).  Values out of the declared bounds are refused by
:func:`check` before anything is stored.

Nothing here imports odoo: the rules are tested without a registry.
"""
from dataclasses import dataclass
import logging

_logger = logging.getLogger(__name__)

BOOL, INT, FLOAT, CHAR, SELECTION, RECORD, INT_LIST = (
    "bool", "int", "float", "char", "selection", "record", "int_list")
TYPES = (BOOL, INT, FLOAT, CHAR, SELECTION, RECORD, INT_LIST)

_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off", "")


@dataclass(frozen=True)
class Setting:
    """``key``: the ir.config_parameter key; ``type``: one of TYPES;
    ``default``: what an absent key reads as; ``minimum``/``maximum``:
    bounds of a number (of each number of an INT_LIST); ``choices``: the
    values of a SELECTION."""
    key: str
    type: str
    default: object = None
    minimum: float = None
    maximum: float = None
    choices: tuple = ()

    def __post_init__(self):
        if self.type not in TYPES:
            raise ValueError(f"setting {self.key}: type {self.type!r} is none of {TYPES}")
        if self.default is None:
            object.__setattr__(self, "default", _EMPTY[self.type])
        problem = error(self, self.default)
        if problem:
            raise ValueError(f"setting {self.key}: default {self.default!r}: "
                             + MESSAGES[problem[0]] % problem[1])


_EMPTY = {BOOL: False, INT: 0, FLOAT: 0.0, CHAR: "", SELECTION: "", RECORD: 0, INT_LIST: ()}

_DECLARED = {}


def declare(*settings):
    """Register ``settings`` (by key; declaring a key again with another
    meaning is a programming error) and return them as a tuple."""
    for setting in settings:
        known = _DECLARED.get(setting.key)
        if known is not None and known != setting:
            raise ValueError(f"setting {setting.key} is declared twice, differently")
        _DECLARED[setting.key] = setting
    return tuple(settings)


def declared(key):
    """The declaration of ``key``; KeyError for a key nobody declared."""
    return _DECLARED[key]


def all_declared():
    return dict(_DECLARED)


# -- stored text <-> value -------------------------------------------------------

def parse(setting, raw):
    """The value of ``setting`` stored as ``raw`` (text, or None/False when
    the key is absent): the default when absent, unreadable or out of bounds
    (written by hand), logged."""
    if raw is None or raw is False:
        return setting.default
    text = str(raw).strip()
    try:
        value = _parse(setting, text)
    except ValueError:
        _logger.warning("setting %s: %r is not a %s; using %r",
                        setting.key, raw, setting.type, setting.default)
        return setting.default
    if error(setting, value):
        _logger.warning("setting %s: %r is out of bounds; using %r",
                        setting.key, raw, setting.default)
        return setting.default
    return value


def _parse(setting, text):
    kind = setting.type
    if kind == BOOL:
        if text.lower() in _TRUE:
            return True
        if text.lower() in _FALSE:
            return False
        raise ValueError(text)
    if kind == INT:
        return int(text)
    if kind == FLOAT:
        return float(text)
    if kind == RECORD:
        return int(text) if text else 0
    if kind == INT_LIST:
        return parse_int_list(text)
    return text  # CHAR, SELECTION


EMPTY_LIST = "none"  # an emptied list: ir.config_parameter reads "" as absent


def parse_int_list(text):
    """``"7, 1,3"`` -> ``(1, 3, 7)``: whole numbers, sorted, once each
    (``"none"`` or nothing: none); ValueError on anything else."""
    if (text or "").strip().lower() == EMPTY_LIST:
        return ()
    parts = [p.strip() for p in (text or "").replace(";", ",").split(",") if p.strip()]
    if not all(p.isdigit() for p in parts):
        raise ValueError(text)
    return tuple(sorted({int(p) for p in parts}))


def to_text(setting, value):
    """What is stored for ``value``: always a text, ``False``/``0``
    included, so that it reads back as written; None (no row) only for an
    empty CHAR/SELECTION/RECORD, which then reads as its default (an empty
    INT_LIST is stored ``none``: Odoo's get_param reads "" as absent)."""
    kind = setting.type
    if kind == BOOL:
        return "True" if value else "False"
    if kind == INT:
        return str(int(value or 0))
    if kind == FLOAT:
        return repr(float(value or 0.0))
    if kind == INT_LIST:
        values = parse_int_list(value) if isinstance(value, str) else tuple(value or ())
        return ",".join(str(v) for v in values) or EMPTY_LIST
    if kind == RECORD:
        return str(int(value)) if value else None
    text = (value or "").strip() if isinstance(value, str) else value
    return text or None


def coerce(setting, value):
    """A value as a settings form holds it -> the setting's value (an
    INT_LIST may come as text); ValueError when it cannot be one."""
    if setting.type == INT_LIST and isinstance(value, str):
        return parse_int_list(value)
    if setting.type == CHAR:
        return (value or "").strip()
    if setting.type == SELECTION:
        return value or ""
    if setting.type == RECORD:
        return int(value or 0)
    if setting.type == BOOL:
        return bool(value)
    if setting.type == INT:
        return int(value or 0)
    if setting.type == FLOAT:
        return float(value or 0.0)
    return value


# what error() codes mean (saas_base's settings mixin has the same, translated)
MESSAGES = {
    "below": "%(value)s is below the minimum, %(minimum)s.",
    "above": "%(value)s is above the maximum, %(maximum)s.",
    "choice": "%(value)s is not one of %(choices)s.",
}


def error(setting, value):
    """None when ``value`` is allowed, else (code, args): a key of MESSAGES
    and its placeholders' values."""
    numbers = ()
    if setting.type in (INT, FLOAT):
        numbers = (value,)
    elif setting.type == INT_LIST:
        numbers = tuple(value or ())
    for number in numbers:
        if setting.minimum is not None and number < setting.minimum:
            return ("below", {"value": number, "minimum": setting.minimum})
        if setting.maximum is not None and number > setting.maximum:
            return ("above", {"value": number, "maximum": setting.maximum})
    if setting.type == SELECTION and value and setting.choices and value not in setting.choices:
        return ("choice", {"value": value, "choices": ", ".join(setting.choices)})
    return None


# -- reading ---------------------------------------------------------------------

def get(env, key):
    """The value of the declared setting ``key`` in ``env``'s database (an
    Odoo environment, or anything with ``get_param``): the one way to read a
    setting."""
    params = env["ir.config_parameter"].sudo() if not hasattr(env, "get_param") else env
    return parse(declared(key), params.get_param(key))


def store(params, setting, value):
    """Write ``value`` of ``setting`` through ``params`` (ir.config_parameter,
    sudo): the one way to write one.  Raises ValueError when it is refused."""
    problem = error(setting, value)
    if problem:
        raise ValueError(f"setting {setting.key}: " + MESSAGES[problem[0]] % problem[1])
    text = to_text(setting, value)
    if params.get_param(setting.key) != text:
        params.set_param(setting.key, text if text is not None else False)


def public_domain(base_domain, port=0):
    """``saas.example.com`` + 8069 -> ``saas.example.com:8069``: the host
    part of the tenants' URLs (no port when 0: the front end's default)."""
    return f"{base_domain}:{port}" if port else base_domain
