//! Placeholder: the owning issue replaces this with criterion groups run side by side with peers.
fn main() {}
