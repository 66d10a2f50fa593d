"""gutskin.microbiome (see docs/)."""
