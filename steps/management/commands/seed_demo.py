"""Demo data for the embedded default: CDE, three SELPAs, eight LEAs, one person per role,
and a 2024 ADL load so the LEAs owe CIM work.

Idempotent: running it again creates nothing that already exists. The organisations are
fictional (real counties and regions, made-up names and codes).
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from lea import access, services
from lea.models import Organization, Role, User
from steps.services import adl_apply, consultant_assign, leas_in_region, monitoring_year_get

DEMO_PASSWORD = "cim-demo-2024"  # noqa: S105 -- demo accounts on a developer's machine only

SELPAS = [
    ("3401", "North Valley SELPA", "Sacramento", 3),
    ("1901", "Coastal Foothills SELPA", "Los Angeles", 11),
    ("1001", "Central Plains SELPA", "Fresno", 7),
]
LEAS = [
    ("3400001", "Riverbend Unified School District", "3401", "Sacramento", 3),
    ("3400002", "Oak Hollow Elementary School District", "3401", "Sacramento", 3),
    ("34000030000001", "Summit Ridge Charter Academy", "3401", "Sacramento", 3),
    ("1900001", "Harbor View Unified School District", "1901", "Los Angeles", 11),
    ("1900002", "Canyon Creek School District", "1901", "Los Angeles", 11),
    ("1900003", "Mesa Verde Union High School District", "1901", "Los Angeles", 11),
    ("1000001", "Golden Fields Unified School District", "1001", "Fresno", 7),
    ("1000002", "Sierra Gate Joint Unified School District", "1001", "Fresno", 7),
]
# Regions whose LEAs with work for CDE have the demo consultant; the Intensive LEA of
# region 7 is left without one, so the unassigned list has something to show.
CONSULTANT_REGIONS = (3, 11)
# The demo's 2024 Annual Determination Letter: (CDS code, tier, level, unmet, new to CIM).
DEMO_ADL_YEAR = 2024
DEMO_ADL = [
    ("3400001", "Targeted", "3", "4A; 5B; 8", "yes"),
    ("3400002", "Targeted", "1", "8", "yes"),
    ("34000030000001", "Targeted", "2", "3B; 5A", "yes"),
    ("1900001", "Intensive", "1", "3B; 4A; 5A; 5B", "yes"),
    ("1900002", "Universal", "", "", "no"),
    ("1900003", "Targeted", "1", "1", "no"),
    ("1000001", "Intensive", "2", "3B; 5B; 8", "yes"),
    ("1000002", "Universal", "", "", "no"),
]

PEOPLE = [
    ("admin@cde.example.org", "Alex Rivera", Role.CDE_ADMIN, None),
    ("consultant@cde.example.org", "Morgan Lee", Role.CDE_CONSULTANT, None),
    ("reviewer@selpa.example.org", "Jordan Patel", Role.SELPA_REVIEWER, "3401"),
    ("lead@lea.example.org", "Casey Nguyen", Role.LEA_LEAD, "3400001"),
    ("member@lea.example.org", "Sam Ortiz", Role.LEA_MEMBER, "3400001"),
]


class Command(BaseCommand):
    help = "Load demo organisations and one demo account per role (idempotent)."

    @transaction.atomic
    def handle(self, *args: object, **options: object) -> None:
        if settings.PRODUCTION:
            raise CommandError("Demo data is for development machines, never production.")
        cde = self._organization(
            kind=Organization.Kind.CDE, code="", name="California Department of Education"
        )
        selpas = {
            code: self._organization(
                kind=Organization.Kind.SELPA, code=code, name=name, county=county, region=region
            )
            for code, name, county, region in SELPAS
        }
        leas = {
            code: self._organization(
                kind=Organization.Kind.LEA,
                code=code,
                name=name,
                selpa=selpas[selpa_code],
                county=county,
                region=region,
            )
            for code, name, selpa_code, county, region in LEAS
        }
        organizations = {**selpas, **leas}
        for email, full_name, role, org_code in PEOPLE:
            user = access.accounts_with_email_for_system(email).first() or services.user_create(
                actor=None, email=email, full_name=full_name, password=DEMO_PASSWORD
            )
            organization = organizations[org_code] if org_code else cde
            if not user.memberships.filter(organization=organization, role=role).exists():
                services.membership_create(
                    actor=None, user=user, organization=organization, role=role
                )
        admin = access.accounts_with_email_for_system(PEOPLE[0][0]).get()
        self._load_adl(actor=admin)
        self._assign_consultant(
            actor=admin, consultant=access.accounts_with_email_for_system(PEOPLE[1][0]).get()
        )
        self.stdout.write(
            self.style.SUCCESS("Demo data is loaded. Log in at http://127.0.0.1:8000 with:")
        )
        for email, _, role, org_code in PEOPLE:
            where = organizations[org_code].name if org_code else cde.name
            self.stdout.write(f"  {Role(role).label:<22} {email:<30} ({where})")
        self.stdout.write(f"  Password for all of them: {DEMO_PASSWORD}")

    def _load_adl(self, *, actor: User) -> None:
        """Load the demo ADL through the same service as a real upload (idempotent)."""
        selpas = {code: (name, county, region) for code, name, county, region in SELPAS}
        leas = {code: (name, selpa_code) for code, name, selpa_code, _, _ in LEAS}
        lines = ["cds_code,lea_name,selpa_code,selpa_name,county,region,tier,level,"
                 "unmet_indicators,new_to_cim"]  # fmt: skip
        for code, tier, level, unmet, new in DEMO_ADL:
            name, selpa_code = leas[code]
            selpa_name, county, region = selpas[selpa_code]
            lines.append(
                f"{code},{name},{selpa_code},{selpa_name},{county},{region},{tier},{level},{unmet},{new}"
            )
        result = adl_apply(
            actor=actor,
            year=DEMO_ADL_YEAR,
            content="\n".join(lines).encode(),
            file_name="demo-adl-2024.csv",
        )
        if result.errors:
            raise CommandError("\n".join(str(error) for error in result.errors))

    def _assign_consultant(self, *, actor: User, consultant: User) -> None:
        year = monitoring_year_get(year=DEMO_ADL_YEAR)
        for region in CONSULTANT_REGIONS:
            leas = leas_in_region(year=year, region=region, cde_only=True)
            consultant_assign(actor=actor, consultant=consultant, year=year, leas=leas)

    def _organization(self, *, kind: str, code: str, name: str, **fields: object) -> Organization:
        existing = access.organizations_named_for_system(kind, code, name).first()
        if existing:
            # Grants are idempotent; renewing them brings an older demo database up to date.
            services.organization_grant_access(organization=existing)
            return existing
        return services.organization_create(
            actor=None,
            kind=kind,
            code=code,
            name=name,
            **fields,  # type: ignore[arg-type]
        )
