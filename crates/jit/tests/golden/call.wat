;; push ebp; mov ebp, esp; push ebx; call +0x100: the stack
;; ip: 0x1000
;; code: 55 89 e5 53 e8 00 01 00 00
(module
  (type (;0;) (func (param i32) (result i32)))
  (import "env" "memory" (memory (;0;) 1))
  (export "run" (func 0))
  (func (;0;) (type 0) (param i32) (result i32)
    (local i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i64 i32)
    local.get 0
    i32.load
    local.set 1
    local.get 0
    i32.load offset=4
    local.set 2
    local.get 0
    i32.load offset=8
    local.set 3
    local.get 0
    i32.load offset=12
    local.set 4
    local.get 0
    i32.load offset=16
    local.set 5
    local.get 0
    i32.load offset=20
    local.set 6
    local.get 0
    i32.load offset=24
    local.set 7
    local.get 0
    i32.load offset=28
    local.set 8
    local.get 0
    i32.load offset=36
    local.set 9
    local.get 0
    i32.load offset=40
    local.set 10
    local.get 0
    i32.load offset=44
    local.set 11
    local.get 0
    i32.load offset=48
    local.set 12
    local.get 0
    i32.load offset=52
    local.set 13
    local.get 0
    i32.load offset=56
    local.set 14
    local.get 0
    i32.load offset=84
    local.set 21
    local.get 0
    i32.load offset=88
    local.set 22
    local.get 0
    i32.load offset=92
    local.set 23
    local.get 0
    i32.load offset=68
    local.set 17
    block ;; label = @1
      loop ;; label = @2
        block ;; label = @3
          local.get 33
          br_table 0 (;@3;) 0 (;@3;)
        end
        local.get 6
        local.set 28
        local.get 5
        i32.const 4
        i32.sub
        local.get 17
        i32.add
        local.set 27
        block ;; label = @3
          local.get 22
          local.get 27
          i32.const 12
          i32.shr_u
          i32.const 255
          i32.and
          i32.const 4
          i32.shl
          i32.add
          local.tee 31
          i32.load
          local.get 27
          i32.const 12
          i32.shr_u
          i32.eq
          local.get 27
          i32.const 4095
          i32.and
          i32.const 4092
          i32.le_u
          i32.and
          br_if 0 (;@3;)
          i32.const 4096
          local.set 25
          local.get 24
          i32.const 0
          i32.add
          local.set 24
          i32.const 1
          local.set 26
          br 2 (;@1;)
        end
        local.get 31
        i32.load offset=4
        local.get 27
        i32.const 4095
        i32.and
        i32.add
        local.set 31
        local.get 31
        local.get 28
        i32.store align=1
        local.get 5
        i32.const -4
        i32.add
        local.set 5
        local.get 5
        local.set 28
        local.get 28
        local.set 6
        local.get 4
        local.set 28
        local.get 5
        i32.const 4
        i32.sub
        local.get 17
        i32.add
        local.set 27
        block ;; label = @3
          local.get 22
          local.get 27
          i32.const 12
          i32.shr_u
          i32.const 255
          i32.and
          i32.const 4
          i32.shl
          i32.add
          local.tee 31
          i32.load
          local.get 27
          i32.const 12
          i32.shr_u
          i32.eq
          local.get 27
          i32.const 4095
          i32.and
          i32.const 4092
          i32.le_u
          i32.and
          br_if 0 (;@3;)
          i32.const 4099
          local.set 25
          local.get 24
          i32.const 2
          i32.add
          local.set 24
          i32.const 1
          local.set 26
          br 2 (;@1;)
        end
        local.get 31
        i32.load offset=4
        local.get 27
        i32.const 4095
        i32.and
        i32.add
        local.set 31
        local.get 31
        local.get 28
        i32.store align=1
        local.get 5
        i32.const -4
        i32.add
        local.set 5
        i32.const 4361
        local.set 25
        i32.const 4105
        local.set 28
        local.get 5
        i32.const 4
        i32.sub
        local.get 17
        i32.add
        local.set 27
        block ;; label = @3
          local.get 22
          local.get 27
          i32.const 12
          i32.shr_u
          i32.const 255
          i32.and
          i32.const 4
          i32.shl
          i32.add
          local.tee 31
          i32.load
          local.get 27
          i32.const 12
          i32.shr_u
          i32.eq
          local.get 27
          i32.const 4095
          i32.and
          i32.const 4092
          i32.le_u
          i32.and
          br_if 0 (;@3;)
          i32.const 4100
          local.set 25
          local.get 24
          i32.const 3
          i32.add
          local.set 24
          i32.const 1
          local.set 26
          br 2 (;@1;)
        end
        local.get 31
        i32.load offset=4
        local.get 27
        i32.const 4095
        i32.and
        i32.add
        local.set 31
        local.get 31
        local.get 28
        i32.store align=1
        local.get 5
        i32.const -4
        i32.add
        local.set 5
        local.get 24
        i32.const 4
        i32.add
        local.set 24
        i32.const 0
        local.set 26
        br 1 (;@1;)
      end
    end
    local.get 0
    local.get 1
    i32.store
    local.get 0
    local.get 2
    i32.store offset=4
    local.get 0
    local.get 3
    i32.store offset=8
    local.get 0
    local.get 4
    i32.store offset=12
    local.get 0
    local.get 5
    i32.store offset=16
    local.get 0
    local.get 6
    i32.store offset=20
    local.get 0
    local.get 7
    i32.store offset=24
    local.get 0
    local.get 8
    i32.store offset=28
    local.get 0
    local.get 25
    i32.store offset=32
    local.get 0
    local.get 9
    i32.store offset=36
    local.get 0
    local.get 10
    i32.store offset=40
    local.get 0
    local.get 11
    i32.store offset=44
    local.get 0
    local.get 12
    i32.store offset=48
    local.get 0
    local.get 13
    i32.store offset=52
    local.get 0
    local.get 14
    i32.store offset=56
    local.get 0
    local.get 24
    i32.store offset=96
    local.get 26
  )
)

