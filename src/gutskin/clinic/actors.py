"""Who acts: a signed-in user, or the system operator at the CLI."""

from __future__ import annotations

from dataclasses import dataclass, field

ROLES = ("patient", "clinician", "admin")


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    role: str  # patient | clinician | admin | system
    label: str = ""
    #: the profile this account acts on by default, when it was loaded with the account (saves a
    #: query on every API request); authorization still checks ownership against the database
    default_patient_id: int | None = field(default=None, compare=False)

    @property
    def is_system(self) -> bool:
        return self.role == "system"


SYSTEM = Actor(user_id=None, role="system", label="cli")
