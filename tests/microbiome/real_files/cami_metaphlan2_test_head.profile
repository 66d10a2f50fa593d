# Taxonomic Profiling Output
@SampleID: 0
@Version:0.9.3
@Ranks:superkingdom|phylum|class|order|family|genus|species|strain
@TaxonomyID:ncbi-taxonomy_2018.02.15
@__program__:metaphlan2
@@TAXID	RANK	TAXPATH	TAXPATHSN	PERCENTAGE
2	superkingdom	2	Bacteria	99.999980
201174	phylum	2|201174	Bacteria|Actinobacteria	0.235870
976	phylum	2|976	Bacteria|Bacteroidetes	0.510560
1239	phylum	2|1239	Bacteria|Firmicutes	99.153020
1224	phylum	2|1224	Bacteria|Proteobacteria	0.015880
