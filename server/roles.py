"""Roles as one table (DESIGN.md decision 17, PROTOCOL.md §3): what each role may read, record,
correct, review and administer, declared once here and consulted by every query
(server/auth/scope.py), endpoint (`power_required`) and screen (the user document carries the
powers, and the /forms document every role's label).

Pure data: no database, no Flask. Nothing else names a role to decide something.
"""

from dataclasses import dataclass

from server.labels import Label

# Which records a role reads (and so may change, as far as `corrects` and the fields' editable_by
# allow): the ones it created; those and every record of its villages; every record of its
# commune; the commune's records of the types whose workflow it moves; or none at all.
OWN, VILLAGES, COMMUNE, WORKFLOW, NO_RECORDS = "own", "villages", "commune", "workflow", None

# What a role may do beyond reading records:
RECORD = "record"  # create records, in its villages (or the commune's, reading the commune)
REVIEW = "review"  # approve, ask for changes, reject; hears of new records (the digest)
PROGRESS = "progress"  # the progress figures (its villages', or the commune's)
TARGETS = "targets"  # read the targets
SET_TARGETS = "set_targets"
EXPORT = "export"  # the periodic report file, with every record's personal data
RESOLVE_CONFLICTS = "resolve_conflicts"  # and hears when one opens
ADMINISTER = "administer"  # users, villages, devices
AUDIT = "audit"  # read the audit log
SUBMIT_REPORTS = "submit_reports"  # close a period and send the commune's report to the province
FOLLOW_COMMUNES = "follow_communes"  # every commune of the province: figures, reports received, returns
MANAGE_COMMUNES = "manage_communes"  # open the province's communes, their admins, targets, deadlines
COMMUNE_POWERS = (RECORD, REVIEW, PROGRESS, TARGETS, SET_TARGETS, EXPORT, RESOLVE_CONFLICTS, ADMINISTER, AUDIT)
POWERS = (*COMMUNE_POWERS, SUBMIT_REPORTS, FOLLOW_COMMUNES, MANAGE_COMMUNES)

# Where a role's user belongs: one commune, or one province (PROTOCOL.md §3).
COMMUNE_TIER, PROVINCE_TIER = "commune", "province"


@dataclass(frozen=True)
class Role:
    code: str
    label: Label
    reads: str | None
    # Changes any record it reads, whatever its review state (within the fields' editable_by);
    # without it, a role changes only records it created, until they are approved or rejected.
    corrects: bool
    powers: frozenset
    tier: str = COMMUNE_TIER

    def can(self, power):
        return power in self.powers

    @property
    def reads_commune_wide(self):
        """Reads records across the commune: each such read is written to the audit log."""
        return self.reads in (COMMUNE, WORKFLOW)


ROLES = {
    role.code: role
    for role in (
        Role("volunteer", Label("Tình nguyện viên", "Volunteer"), OWN, False, frozenset({RECORD})),
        Role("village_staff", Label("Cán bộ thôn", "Village staff"), VILLAGES, False, frozenset({RECORD, PROGRESS})),
        Role(
            "police",
            Label("Công an xã", "Commune police"),
            COMMUNE,
            True,
            frozenset({RECORD, REVIEW, PROGRESS, TARGETS, EXPORT, SUBMIT_REPORTS}),
        ),
        Role(
            "admin",
            Label("Tổ công tác Đề án 06 (quản trị)", "Đề án 06 working group (admin)"),
            COMMUNE,
            True,
            frozenset({*COMMUNE_POWERS, SUBMIT_REPORTS}),
        ),
        Role("civil_status", Label("Tư pháp - Hộ tịch", "Civil status officer"), WORKFLOW, True, frozenset()),
        Role(
            "commune_viewer",
            Label("Lãnh đạo UBND xã", "Commune leader"),
            NO_RECORDS,
            False,
            frozenset({PROGRESS, TARGETS}),
        ),
        # The province reads figures and the reports its communes send, never a citizen's record.
        Role(
            "province_officer",
            Label("Công an tỉnh, Tổ công tác tỉnh", "Province officer"),
            NO_RECORDS,
            False,
            frozenset({FOLLOW_COMMUNES}),
            PROVINCE_TIER,
        ),
        Role(
            "province_admin",
            Label("Quản trị tỉnh", "Province admin"),
            NO_RECORDS,
            False,
            frozenset({FOLLOW_COMMUNES, MANAGE_COMMUNES}),
            PROVINCE_TIER,
        ),
    )
}
CODES = tuple(ROLES)


# The role a province admin gives a commune's first user: the commune role that administers it.
COMMUNE_ADMINISTRATOR = next(code for code, role in ROLES.items() if role.tier == COMMUNE_TIER and role.can(ADMINISTER))


def role_of(user):
    return ROLES[user.role]


def with_power(power):
    """The codes of the roles that have this power."""
    return tuple(code for code, role in ROLES.items() if role.can(power))


def document():
    """Every role with its label and powers, for the /forms document (screens label and decide by it)."""
    return [
        {
            "code": role.code,
            "label": role.label.as_dict(),
            "reads": role.reads,
            "corrects": role.corrects,
            "powers": sorted(role.powers),
            "tier": role.tier,
        }
        for role in ROLES.values()
    ]
