"""Who acts: a signed-in user, or the system operator at the CLI."""

from __future__ import annotations

from dataclasses import dataclass

ROLES = ("patient", "clinician", "admin")


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    role: str  # patient | clinician | admin | system
    label: str = ""

    @property
    def is_system(self) -> bool:
        return self.role == "system"


SYSTEM = Actor(user_id=None, role="system", label="cli")
