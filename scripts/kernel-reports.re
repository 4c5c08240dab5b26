(^|[^A-Za-z])BUG[: ]
WARNING:
Oops
KFENCE
general protection
blocked for more than
Kernel panic
