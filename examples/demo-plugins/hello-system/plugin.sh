#!/bin/sh
# Lattice stdio-json-v1 demo plugin: one request line on stdin, one reply line on stdout.
read -r request
printf '%s\n' '{"ok":true,"message":"hello from example.hello-system"}'
