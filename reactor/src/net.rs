//! TCP, UDP and Unix sockets.
