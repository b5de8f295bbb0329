#!/bin/sh
# backstop-managed-hook {{VERSION}}
# Installed by `backstop install --git`; `backstop uninstall --git` removes it and puts back the
# hook that was here before (kept beside it as {{HOOK}}.backstop-chained, and run first).
# Edit gates.toml, not this file.
hook_name={{HOOK}}
recorded={{BACKSTOP_PATH}}
BACKSTOP_HOOK_SCRIPT=$0
export BACKSTOP_HOOK_SCRIPT
if [ -x "$recorded" ]; then
  exec "$recorded" hook git "$hook_name" "$@"
elif command -v backstop >/dev/null 2>&1; then
  exec backstop hook git "$hook_name" "$@"
else
  echo "backstop: this repository's $hook_name hook runs backstop, which is not installed here." >&2
  echo "backstop: install it (cargo install --locked --path <backstop checkout>, or see its README)," >&2
  echo "backstop: or remove the hook: backstop uninstall --git, or rm \"$0\"" >&2
  exit 1
fi
