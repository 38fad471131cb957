; virtlab: rom
; mem-loop-paged.asm: mem-loop.asm with paging on (see there).
%define PAGING 1
%include "mem-loop.asm"
