"""The user's code (processors, event actions, feedback): templates, sample events,
test runs in a separate process and safe replacement. Qt-free; the Code page drives it."""
