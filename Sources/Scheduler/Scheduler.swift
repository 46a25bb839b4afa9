// Scheduler module.
