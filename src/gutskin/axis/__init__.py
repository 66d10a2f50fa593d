"""gutskin.axis (see docs/)."""
