;; Address arithmetic the JIT fuses into one memory access (base+index, shifted, scaled):
;; wasm wraps the i32 address before adding the offset, so 0xFFFFFFFF + 1 must load byte 0,
;; and a sum past 4 GiB must trap rather than reach the guard region at another address.
(module
  (memory (export "memory") 1)
  (data (i32.const 0) "\01\02\03\04\05\06\07\08")
  (func (export "load_add") (param i32 i32) (result i32)
    (i32.load (i32.add (local.get 0) (local.get 1))))
  (func (export "load_add_k") (param i32) (result i32)
    (i32.load (i32.add (local.get 0) (i32.const 1))))
  (func (export "load_add_off") (param i32) (result i64)
    (i64.load offset=4 (i32.add (local.get 0) (i32.const 4))))
  (func (export "load_shl") (param i32) (result i32)
    (i32.load (i32.shl (local.get 0) (i32.const 2))))
  (func (export "load_mul") (param i32) (result i32)
    (i32.load (i32.mul (local.get 0) (i32.const 8))))
  (func (export "store_add") (param i32 i32)
    (i32.store (i32.add (local.get 0) (local.get 1)) (i32.const 0x55667788)))
  (func (export "store_shl") (param i32)
    (i64.store (i32.shl (local.get 0) (i32.const 3)) (i64.const -1)))
  (func (export "load8_sub") (param i32) (result i32)
    (i32.load8_s (i32.sub (local.get 0) (i32.const 1))))
)
