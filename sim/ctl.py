#!/usr/bin/env python3
"""Call the simulator's control API from a shell: ctl.py URL ROUTE [JSON] [--get FIELD].

  ctl.py http://127.0.0.1:PORT run-instance '{"region": "us-east-1"}' --get instance_id
  ctl.py http://127.0.0.1:PORT stats
"""
import json
import sys
import urllib.request


def main() -> None:
    args = sys.argv[1:]
    field = None
    if "--get" in args:
        i = args.index("--get")
        field = args[i + 1]
        del args[i:i + 2]
    if len(args) not in (2, 3):
        sys.exit(__doc__)
    url, route = args[0], args[1]
    data = args[2].encode() if len(args) == 3 else None
    request = urllib.request.Request(f"{url}/_sim/{route}", data=data, method="POST" if data else "GET",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        result = json.load(response)
    value = result[field] if field else result
    # Plain strings print bare, for $(...) in shell scripts; anything else as JSON.
    print(value if isinstance(value, str) else json.dumps(value, indent=None if field else 2))


if __name__ == "__main__":
    main()
