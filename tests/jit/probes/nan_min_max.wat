;; f32/f64 min and max with NaN operands of different payloads, in both orders: the result is
;; the first NaN operand, quieted, in both tiers (the interpreter used to return whatever NaN
;; its C++ compiler's operand order for `a + b` gave).
(module
  (func (export "min32") (param f32) (result i32)
    (i32.reinterpret_f32 (f32.min (local.get 0) (f32.const -nan:0x7fffa7))))
  (func (export "max32") (param f32) (result i32)
    (i32.reinterpret_f32 (f32.max (f32.const nan:0x200001) (local.get 0))))
  (func (export "min64") (param f64) (result i64)
    (i64.reinterpret_f64 (f64.min (local.get 0) (f64.const -nan:0x8000000000123))))
  (func (export "max64") (param f64) (result i64)
    (i64.reinterpret_f64 (f64.max (f64.const nan:0x4000000000001) (local.get 0)))))
