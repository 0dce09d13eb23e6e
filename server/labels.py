"""A text the app shows in Vietnamese, with its English: labels of fields, choices, roles, measures."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Label:
    vi: str
    en: str

    def as_dict(self):
        return {"vi": self.vi, "en": self.en}
