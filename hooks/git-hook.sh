#!/bin/sh
# backstop-managed-hook {{VERSION}}
# Installed by `backstop install --git`; `backstop uninstall --git` removes it and puts back
# any hook it replaced. Edit gates.toml, not this file.
hook_name={{HOOK}}
recorded={{BACKSTOP_PATH}}
if [ -x "$recorded" ]; then
  exec "$recorded" hook git "$hook_name" "$@"
elif command -v backstop >/dev/null 2>&1; then
  exec backstop hook git "$hook_name" "$@"
else
  echo "backstop: the $hook_name hook needs backstop, which is not installed here." >&2
  echo "backstop: install it with: cargo install --git <backstop repository> backstop" >&2
  echo "backstop: or remove the hook with: rm \"\$(git rev-parse --git-path hooks)/$hook_name\"" >&2
  exit 1
fi
