"""The small config file that saves typing the same options every round, and the sign-off it gives.

A prefecture clerk runs ``merge`` every round with the same contact person and phone
number; written once into ``zhenggai.toml`` they need not be typed again::

    # zhenggai.toml（放在运行 zhenggai 的文件夹，或用户配置文件夹）
    prefecture = "襄阳市"
    contact = "张三"
    phone = "0710-3256789"
    unit = "襄阳市商务局"        # 可选：填报单位，默认“市（州）名称 + 商务局”

Looked up in this order: ``--config FILE``; ``zhenggai.toml`` in the current folder;
``config.toml`` in the user's config folder (where typer's ``get_app_dir`` puts it).
Options given on the command line win over the file. The library holds this so that
``merge`` and the web intake's rollup (which runs in the server, not through the
command line) resolve the same 填报单位 and 联系人.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from zhenggai.core.errors import toml_place
from zhenggai.rollup.model import Signoff

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

KEYS = {"prefecture": "市（州）名称", "contact": "联系人", "phone": "联系电话", "unit": "填报单位"}
LOCAL_NAME = "zhenggai.toml"


class ConfigError(Exception):
    """A config file that cannot be used: one Chinese sentence."""


def app_dir() -> Path:
    """The user's config folder for zhenggai, as click/typer's ``get_app_dir("zhenggai")`` names it
    (the library does not import typer)."""
    if sys.platform == "win32":
        return Path(os.environ.get("APPDATA") or os.path.expanduser("~")) / "zhenggai"
    if sys.platform == "darwin":
        return Path(os.path.expanduser("~/Library/Application Support")) / "zhenggai"
    return Path(os.environ.get("XDG_CONFIG_HOME", os.path.expanduser("~/.config"))) / "zhenggai"


def candidates(folder: Path | None = None) -> list[Path]:
    """Where a config file is looked for when ``--config`` is not given: ``zhenggai.toml`` in
    ``folder`` (the current folder by default), then the user's config folder."""
    return [(folder or Path.cwd()) / LOCAL_NAME, app_dir() / "config.toml"]


def load(path: Path | None, folder: Path | None = None) -> dict[str, str]:
    """The settings of ``path`` (or the first candidate that exists); {} when there is none."""
    if path is None:
        path = next((p for p in candidates(folder) if p.is_file()), None)
        if path is None:
            return {}
    elif not path.is_file():
        raise ConfigError(f"找不到配置文件：{path}")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError):
        raise ConfigError(f"无法读取配置文件 {path}（请用 UTF-8 编码保存）") from None
    except tomllib.TOMLDecodeError as exc:
        where = toml_place(exc)
        raise ConfigError(f"配置文件 {path} 的写法不对{f'（{where}）' if where else ''}，"
                          f"请写成 contact = \"张三\" 这样的形式") from None
    unknown = sorted(set(data) - set(KEYS))
    if unknown:
        known = "、".join(f"{k}（{v}）" for k, v in KEYS.items())
        raise ConfigError(f"配置文件 {path} 中有不认识的设置：{'、'.join(unknown)}；可用的设置：{known}")
    out: dict[str, str] = {}
    for key, value in data.items():
        if not isinstance(value, (str, int)) or isinstance(value, bool):
            raise ConfigError(f"配置文件 {path} 中 {key}（{KEYS[key]}）应写成带引号的文字")
        if str(value).strip():
            out[key] = str(value).strip()
    return out


def resolve(settings: dict[str, str], prefecture: str | None = None, contact: str | None = None,
            phone: str | None = None) -> tuple[str | None, Signoff]:
    """The prefecture and sign-off of a rollup: what was given wins over the config file."""
    name = (prefecture or "").strip() or settings.get("prefecture")
    signoff = Signoff(unit=settings.get("unit"), contact=(contact or "").strip() or settings.get("contact"),
                      phone=(phone or "").strip() or settings.get("phone"))
    return name or None, signoff
