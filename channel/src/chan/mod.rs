//! Go's channel: multi-producer, multi-consumer, buffered or unbuffered, closable.
