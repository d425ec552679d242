//! Tasks: spawning, joining, aborting.
