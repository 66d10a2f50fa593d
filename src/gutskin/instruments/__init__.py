"""gutskin.instruments (see docs/)."""
