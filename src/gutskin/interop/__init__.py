"""gutskin.interop (see docs/)."""
