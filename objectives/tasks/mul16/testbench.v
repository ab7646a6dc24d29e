`timescale 1ns/1ps
// Self-checking testbench for mul16 (combinational, signed two's complement).
module tb;
    reg  [15:0] a, b;
    wire [31:0] p;

    integer seed;
    integer checks;
    integer mismatches;
    integer i;
    reg [31:0] expected;

    initial seed = 42;

    mul16 dut (
        .a (a),
        .b (b),
        .p (p)
    );

    // golden model: sign-extend to 32 bits and multiply modulo 2^32
    // (two's complement arithmetic on 32-bit vectors), independent of
    // signed-expression rules.
    function [31:0] golden;
        input [15:0] x;
        input [15:0] y;
        reg [31:0] xs, ys;
        begin
            xs = {{16{x[15]}}, x};
            ys = {{16{y[15]}}, y};
            golden = xs * ys;
        end
    endfunction

    task apply;
        input [15:0] ta;
        input [15:0] tb_;
        begin
            a = ta; b = tb_;
            #5;
            expected = golden(ta, tb_);
            checks = checks + 1;
            if (p !== expected) begin
                mismatches = mismatches + 1;
                if (mismatches <= 5)
                    $display("MISMATCH a=%0d b=%0d: got p=%h, expected %h (%0d)",
                             $signed(ta), $signed(tb_), p, expected, $signed(expected));
            end
        end
    endtask

    // watchdog
    initial begin
        #100000;
        $display("RESULT: FAIL mismatches=%0d checks=%0d", mismatches + 1, checks);
        $finish;
    end

    initial begin
        checks = 0; mismatches = 0;
        a = 0; b = 0;
        // corner cases
        apply(16'h0000, 16'h0000);
        apply(16'h0000, 16'hFFFF);
        apply(16'h8000, 16'h0000);
        apply(16'hFFFF, 16'hFFFF);   // -1 * -1
        apply(16'hFFFF, 16'h0001);   // -1 *  1
        apply(16'h0001, 16'hFFFF);
        apply(16'h8000, 16'h8000);   // min * min
        apply(16'h8000, 16'h7FFF);   // min * max
        apply(16'h7FFF, 16'h8000);
        apply(16'h7FFF, 16'h7FFF);   // max * max
        apply(16'h8000, 16'h0001);
        apply(16'h8000, 16'hFFFF);   // min * -1 = +32768
        apply(16'hFFFF, 16'h8000);
        apply(16'h7FFF, 16'hFFFF);
        apply(16'h8001, 16'h8001);
        apply(16'hAAAA, 16'h5555);
        apply(16'h5555, 16'hAAAA);
        apply(16'hAAAA, 16'hAAAA);
        for (i = 0; i < 16; i = i + 1) begin
            apply(16'h1 << i, 16'hFFFF);
            apply(16'hFFFF, 16'h1 << i);
            apply(16'h1 << i, 16'h8000);
            apply(16'h8000 >>> i, 16'h7FFF);
        end
        // random vectors
        for (i = 0; i < 350; i = i + 1)
            apply($random(seed), $random(seed));
        // random small-magnitude values of both signs
        for (i = 0; i < 50; i = i + 1)
            apply($random(seed) % 64, $random(seed) % 64);
        $display("RESULT: %s mismatches=%0d checks=%0d",
                 (mismatches == 0) ? "PASS" : "FAIL", mismatches, checks);
        $finish;
    end
endmodule
