# etcdctl's own surface: every output format, --hex, env variables, txn -i, watch exec
# mode and -i, flag parsing corners, exit codes
run 'ctl put k1 v1 && ctl put k2 "two words" && ctl put k3 "<&>"'
run ctl get k --prefix -w fields
run ctl get k --prefix -w json
run 'ctl get k1 -w protobuf | od -An -c | head -3'
run ctl get k1 --hex
run ctl get k --prefix --keys-only --limit=1 -w simple
run ctl del k3 --prev-kv -w fields
run ctl put k1 v1 -w table
run ctl get k1 -w yaml
run 'ETCDCTL_WRITE_OUT=json ctl get k1'
run 'ETCDCTL_HEX=true ctl get k1'
run 'ETCDCTL_ENDPOINTS=127.0.0.1:1 ctl get k1 2>&1 | sed -E "s/^[0-9-]+ [0-9:.]+ C/DATE C/"'
run 'ETCDCTL_FOO=1 ctl get k1 | sed -E "s/^[0-9-]+ [0-9:.]+ W/DATE W/"'
run ctl --debug get k1 2>&1 | grep -E "^ETCDCTL_(WRITE_OUT|HEX|DIAL_TIMEOUT|COMMAND_TIMEOUT|KEEPALIVE_TIME)="
run ctl -wjson get k1
run 'ctl get k1 -w >/dev/null'   # usage texts are our own: stderr only
run 'ctl get k1 --rev abc >/dev/null'
run ctl get --prefix k --from-key
run ctl mem li -w fields
run ctl gte k1
run "printf 'val(\"k1\") = \"v1\"\n\nput k4 x\nget k2\n\ndel k1\n\n' | ctl txn -i -w fields"
run "printf 'bogus line\n' | ctl txn"
run "printf 'val(\"k1\") = \"v1\"\n\nbogus a b\n\n\n' | ctl txn"
run '(timeout 3 ctl watch wx -- sh -c "echo \"\$ETCD_WATCH_EVENT_TYPE \$ETCD_WATCH_KEY \$ETCD_WATCH_VALUE\"" > ex.txt 2>&1 &); sleep 1; ctl put wx "a b"; ctl del wx; sleep 1.5; cat ex.txt'
run '(sleep 2.5; echo) | (timeout 4 ctl watch -i > wi.txt 2>&1 &); (printf "watch wy\n"; sleep 2) | timeout 3 ctl watch -i > wi2.txt 2>&1 & sleep 1; ctl put wy 1; sleep 2.5; cat wi2.txt'
run '(timeout 2 ctl watch wz --rev 1 -w fields > wf.txt 2>&1 &); sleep 1; ctl put wz 1; sleep 1.5; sed -E "s/(ID\" : )[0-9]+/\1N/" wf.txt'
run ctl watch a b c -- 
run ctl lease grant 100 -w protobuf | wc -c
run ctl lease list -w protobuf | wc -c
run ctl alarm disarm
run ctl endpoint health --cluster -w json | sed -E 's/"took":"[^"]+"/"took":"T"/'
run ctl endpoint status --cluster -w fields | grep -E "Endpoint|Version|IsLearner|Errors"
