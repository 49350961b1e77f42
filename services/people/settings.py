"""The people service's settings: the platform's, plus the font of the certificates."""

from __future__ import annotations

from pydantic import Field

from services.common.settings import Settings

__all__ = ["PeopleSettings", "people_settings"]


class PeopleSettings(Settings):
    """Environment settings of the people service."""

    people_cjk_font: str = Field(
        "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", description="a CJK font for the certificates (Debian's fonts-noto-cjk)"
    )
    people_cjk_font_index: int = Field(2, ge=0, description="the face in a .ttc collection (2: Simplified Chinese in Noto CJK)")


def people_settings(settings: Settings) -> PeopleSettings:
    """The people settings: as given, or the platform's with the people fields from the environment."""
    return settings if isinstance(settings, PeopleSettings) else PeopleSettings(**settings.model_dump())
