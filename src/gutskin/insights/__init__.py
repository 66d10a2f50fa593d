"""gutskin.insights (see docs/)."""
