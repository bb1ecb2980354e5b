;; A WASI command written in the text format: writes one line to stdout with fd_write and
;; exits with the status it was given as argv[1] (proc_exit), so the test sees both directions.
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param $fd i32) (param $iovs i32) (param $count i32) (param $written i32)
                    (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 64) "hello from a text module\n")

  (func $main (export "_start")
    (local $iov i32)
    (local.set $iov (i32.const 0))
    (i32.store offset=0 (local.get $iov) (i32.const 64))  ;; iov.buf
    (i32.store offset=4 (local.get $iov) (i32.const 25))  ;; iov.len
    (if (call $fd_write (i32.const 1) (local.get $iov) (i32.const 1) (i32.const 8))
      (then (call $exit (i32.const 1))))
    (call $exit (i32.const 7))))
