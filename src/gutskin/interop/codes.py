"""Code systems and codes of gutskin's FHIR bundles (see docs/interop.md).

LOINC where a verified code exists (POEM: panel 89862-7, total score 89870-0, checked on
loinc.org); otherwise gutskin's local code systems below. The local systems live under
``BASE`` (an ``example.org`` address: a documented, non-resolvable local namespace; change it
only together with the importer, because bundles are matched on these exact URIs).
"""

from __future__ import annotations

BASE = "https://gutskin.example.org/fhir"

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
OBS_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
V3_OBSERVATION_VALUE = "http://terminology.hl7.org/CodeSystem/v3-ObservationValue"
ALLERGY_CLINICAL = "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical"
ALLERGY_VERIFICATION = "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification"
#: RelatedPerson.relationship (FHIR R4 value set relatedperson-relationshiptype: v2-0131 and the v3
#: RoleCode concepts under _PersonalRelationshipRoleType). PRN "parent": one who begets, gives birth
#: to, or nurtures and raises the child; gutskin's child profiles are managed by that person.
V3_ROLE_CODE = "http://terminology.hl7.org/CodeSystem/v3-RoleCode"
CAREGIVER_ROLE_CODE = "PRN"
CAREGIVER_ROLE_DISPLAY = "parent"
#: Provenance.agent.type (``assembler``: the software that assembled the exported resources)
PROVENANCE_PARTICIPANT = "http://terminology.hl7.org/CodeSystem/provenance-participant-type"
#: the Organization "the clinic" (performer of its EASI and SCORAD, 2026-12-07): a healthcare provider
ORGANIZATION_TYPE = "http://terminology.hl7.org/CodeSystem/organization-type"

#: Local code system of the diary observations and questionnaire scores.
OBSERVATION_SYSTEM = f"{BASE}/CodeSystem/observation"
#: Local code system of the diary factors: the code is the factor name ``group.name``.
FACTOR_SYSTEM = f"{BASE}/CodeSystem/factor"
#: Identifier system of the pseudonymous patient identifier (gutskin's ``external_id``).
PATIENT_ID_SYSTEM = f"{BASE}/NamingSystem/patient"
#: Identifier systems of questionnaire responses, allergy records and appointments (gutskin row ids).
QR_ID_SYSTEM = f"{BASE}/NamingSystem/questionnaire-response"
ALLERGY_ID_SYSTEM = f"{BASE}/NamingSystem/allergy-record"
APPOINTMENT_ID_SYSTEM = f"{BASE}/NamingSystem/appointment-request"
#: Canonical URL prefix of gutskin's Questionnaire resources (``{QUESTIONNAIRE}/poem``).
QUESTIONNAIRE = f"{BASE}/Questionnaire"
#: Extension carrying a non-default band set chosen for a questionnaire response.
BAND_SET_EXTENSION = f"{BASE}/StructureDefinition/band-set"
#: Extension carrying the instrument version string gutskin recorded with a response.
VERSION_EXTENSION = f"{BASE}/StructureDefinition/instrument-version"
#: AllergyIntolerance extension (``valueBoolean``): the food is on the patient's avoid list
#: (2026-12-06; before, only the note "On the patient's avoid list." said so, which the export keeps
#: for receiving EHRs and the import still reads in bundles without the extension).
AVOID_LIST_EXTENSION = f"{BASE}/StructureDefinition/avoid-list"

#: UCUM codes of the diary factors' units (``gutskin.diary.factors``): a receiving system can read
#: ``Cel`` and ``%``; counts and ordinal readings are dimensionless with an annotation. A unit not
#: listed (none in the vocabulary today) is sent as text only.
FACTOR_UCUM = {"": "1", "%": "%", "°C": "Cel", "applications": "{applications}", "grains/m³": "{grains}/m3",
               "0-10": "{score}", "type 1-7": "{score}"}

SNOMED = "http://snomed.info/sct"

#: SNOMED CT "allergy to ..." concepts (disorders, which the R4 AllergyIntolerance code value set
#: admits) for the foods of gutskin's vocabulary, sent next to the local factor code so a receiving
#: EHR can match the allergy without knowing gutskin's codes. Checked against two published
#: implementation guides' food-allergy value sets (OpenHIE food-allergy IG and the Medigree IG,
#: both ``vs-food-allergy``) and, for dairy, against several EHR code lists; the tree-nut concept
#: is from the SNOMED CT US extension (namespace 1000119), the others are International Edition.
#: Foods without a single matching concept (fermented foods, sweets) carry only the local code.
FOOD_SNOMED: dict[str, tuple[str, str]] = {
    "food.dairy": ("425525006", "Allergy to dairy product"),
    "food.egg": ("213020009", "Allergy to egg protein"),
    "food.wheat": ("420174000", "Allergy to wheat"),
    "food.peanut": ("91935009", "Allergy to peanut"),
    "food.tree_nut": ("48821000119104", "Allergy to tree nut"),
    "food.soy": ("782594005", "Allergy to soy protein"),
    "food.fish": ("417532002", "Allergy to fish"),
    "food.shellfish": ("300913006", "Allergy to shellfish"),
}

#: Microbiome results (stool samples, 2026-12-07): diversity metrics of gutskin's microbiome report
#: (``gutskin.microbiome.report``), coded locally since LOINC has no codes for them; the eczema-linked
#: taxa by their knowledge-base id (``microbiome/data/eczema_taxa.csv``); the sample by gutskin's row id.
MICROBIOME_SYSTEM = f"{BASE}/CodeSystem/microbiome"
LINKED_TAXON_SYSTEM = f"{BASE}/CodeSystem/eczema-linked-taxon"
MICROBIOME_SAMPLE_ID_SYSTEM = f"{BASE}/NamingSystem/microbiome-sample"
#: metric key of the report -> (local code, display, UCUM unit or None for the profile's rank: a count of
#: features at that rank, e.g. ``{genera}``)
MICROBIOME_METRICS: dict[str, tuple[str, str, tuple[str, str] | None]] = {
    "observed": ("observed-features", "Observed features (richness) of the stool microbiome", None),
    "shannon": ("shannon-diversity", "Shannon diversity index (natural logarithm) of the stool microbiome",
                ("nats", "{nats}")),
    "simpson": ("gini-simpson-diversity", "Simpson diversity (Gini-Simpson, 1 - sum of p squared) of the stool microbiome",
                ("1", "1")),
    "inv_simpson": ("inverse-simpson-diversity", "Inverse Simpson diversity (1 / sum of p squared) of the stool microbiome",
                    ("1", "1")),
    "pielou": ("pielou-evenness", "Pielou evenness (Shannon / ln of observed features) of the stool microbiome", ("1", "1")),
    "chao1": ("chao1-richness", "Chao1 estimated richness (bias-corrected) of the stool microbiome", None),
    "faith_pd": ("faith-pd", "Faith's phylogenetic diversity of the stool microbiome", ("branch length", "1")),
}
#: the percentile of a metric among the reference group the report compared it with (a component)
REFERENCE_PERCENTILE = "reference-percentile"
#: words of a count of features at each rank (the unit of observed features and Chao1)
RANK_PLURAL = {"genus": "genera", "species": "species", "family": "families", "feature": "features",
               "order": "orders", "class": "classes", "phylum": "phyla"}
SEQUENCING_METHODS = {"16S": "16S rRNA gene sequencing", "shotgun": "shotgun metagenomic sequencing",
                      "unknown": "sequencing method not stated"}
#: SNOMED CT: the specimen type of every stool test, and the qualifier of a taxon looked for and not found
STOOL_SPECIMEN = ("119339001", "Stool specimen")
NOT_DETECTED = ("260415000", "Not detected")

POEM_PANEL = "89862-7"  # Patient-Oriented Eczema Measure [POEM] (panel)
POEM_TOTAL = "89870-0"  # Total score [POEM]

#: Local observation codes: code -> (display, value type).
LOCAL_CODES: dict[str, tuple[str, str]] = {
    "itch-nrs": ("Itch NRS, worst itch in the last 24 hours (0-10)", "integer"),
    "sleep-loss-nrs": ("Sleep loss NRS, last night (0-10)", "integer"),
    "flare-day": ("Eczema flare day (patient-reported)", "boolean"),
    "po-scorad": ("PO-SCORAD total (0-103)", "quantity"),
    "diary-note": ("Diary note (free text)", "string"),
    "poem-total": ("POEM total score (0-28)", "quantity"),
    "recap-total": ("RECAP total score (0-28)", "quantity"),
    "adct-total": ("ADCT total score (0-24)", "quantity"),
    "dlqi-total": ("DLQI total score (0-30)", "quantity"),
    "cdlqi-total": ("CDLQI total score (0-30)", "quantity"),
    # the clinic's examination scores (gutskin.clinic.assessments, 2026-12-06); no LOINC code verified
    "easi-total": ("EASI total score (0-72), clinician-assessed", "quantity"),
    "scorad-total": ("SCORAD total score (0-103), clinician-assessed", "quantity"),
    "objective-scorad": ("Objective SCORAD (0-83), clinician-assessed", "quantity"),
}

#: Scores the clinic records at a visit (not questionnaires: no items, no QuestionnaireResponse):
#: exported as examination Observations with their findings as components, and imported from them
#: (re-scored; since 2026-12-06, skipped before).
ASSESSMENTS = ("easi", "scorad")
ASSESSMENT_CODES = ("easi-total", "scorad-total")
#: Code system of the findings a clinic assessment is scored from (2026-12-06): the code is the
#: finding's path in the instrument's scoring input (docs/instruments.md), e.g. ``age_years``,
#: ``regions.trunk.area_percent``, ``regions.trunk.erythema``, ``extent_percent``,
#: ``intensity.dryness``, ``itch``: the importer rebuilds that input and scores it again.
ASSESSMENT_FINDING_SYSTEM = f"{BASE}/CodeSystem/assessment-finding"
_REGION_WORDS = {"head_neck": "head and neck", "upper_limbs": "upper limbs", "trunk": "trunk",
                 "lower_limbs": "lower limbs"}
_FINDING_UNITS = {"area_percent": ("%", "%"), "extent_percent": ("%", "%"), "age_years": ("a", "a"),
                  "itch": ("score", "{score}"), "sleep_loss": ("score", "{score}")}


def finding_display(instrument: str, path: str) -> str:
    """Words for a finding's code, e.g. ``EASI trunk: area affected (%)``, ``SCORAD intensity: dryness (0-3)``."""
    parts = path.split(".")
    leaf = parts[-1]
    words = {"area_percent": "area affected (%)", "extent_percent": "extent (% of the body surface)",
             "age_years": "age in years (decides the weights)", "itch": "itch (0-10)",
             "sleep_loss": "sleeplessness (0-10)"}.get(leaf, f"{leaf.replace('_', ' ')} (0-3)")
    where = " ".join(_REGION_WORDS.get(p, p.replace("_", " ")) for p in parts[:-1] if p != "regions")
    return f"{instrument.upper()} {where + ': ' if where else ''}{words}"


def finding_unit(path: str) -> tuple[str, str]:
    """(unit text, UCUM code) of a finding's value: percentages ``%``, age ``a``, ratings ``{score}``,
    sign grades ``{grade}``."""
    return _FINDING_UNITS.get(path.rsplit(".", 1)[-1], ("grade", "{grade}"))

#: Diary field of each local diary code.
DIARY_CODES: dict[str, str] = {
    "itch-nrs": "itch",
    "sleep-loss-nrs": "sleep_loss",
    "flare-day": "flare",
    "po-scorad": "poscorad",
    "diary-note": "notes",
}

#: Questionnaires gutskin exports: name -> (title, number of items, item maximum, LOINC panel or None).
QUESTIONNAIRES: dict[str, tuple[str, int, int, str | None]] = {
    "poem": ("Patient-Oriented Eczema Measure (POEM)", 7, 4, POEM_PANEL),
    "recap": ("Recap of atopic eczema (RECAP)", 7, 4, None),
    "adct": ("Atopic Dermatitis Control Tool (ADCT)", 6, 4, None),
    "dlqi": ("Dermatology Life Quality Index (DLQI)", 10, 3, None),
    "cdlqi": ("Children's Dermatology Life Quality Index (CDLQI)", 10, 3, None),
}

#: POEM item wording (short form, /work/shared/reference/instruments.md §4).
POEM_ITEMS = (
    "Days with itchy skin in the last week",
    "Nights with sleep disturbed by eczema in the last week",
    "Days with bleeding skin in the last week",
    "Days with weeping or oozing of clear fluid in the last week",
    "Days with cracked skin in the last week",
    "Days with flaking skin in the last week",
    "Days with dry or rough skin in the last week",
)

#: Ranges of the diary values (validated on import, as the diary use cases do).
RANGES: dict[str, tuple[float, float]] = {
    "itch": (0, 10),
    "sleep_loss": (0, 10),
    "poem": (0, 28),
    "poscorad": (0, 103),
}


def score_code(instrument: str) -> str:
    return f"{instrument}-total"
