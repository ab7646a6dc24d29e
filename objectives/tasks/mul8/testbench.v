`timescale 1ns/1ps
// Self-checking testbench for mul8 (combinational, unsigned).
module tb;
    reg  [7:0]  a, b;
    wire [15:0] p;

    integer seed;
    integer checks;
    integer mismatches;
    integer i, j;
    reg [15:0] expected;

    initial seed = 42;

    mul8 dut (
        .a (a),
        .b (b),
        .p (p)
    );

    // golden model: shift-and-add, independent of the '*' operator
    function [15:0] golden;
        input [7:0] x;
        input [7:0] y;
        integer k;
        begin
            golden = 16'd0;
            for (k = 0; k < 8; k = k + 1)
                if (y[k]) golden = golden + ({8'd0, x} << k);
        end
    endfunction

    task apply;
        input [7:0] ta;
        input [7:0] tb_;
        begin
            a = ta; b = tb_;
            #5;
            expected = golden(ta, tb_);
            checks = checks + 1;
            if (p !== expected) begin
                mismatches = mismatches + 1;
                if (mismatches <= 5)
                    $display("MISMATCH a=%0d b=%0d: got p=%0d (%h), expected %0d (%h)",
                             ta, tb_, p, p, expected, expected);
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
        apply(8'd0,   8'd0);
        apply(8'd0,   8'd255);
        apply(8'd255, 8'd0);
        apply(8'd1,   8'd1);
        apply(8'd1,   8'd255);
        apply(8'd255, 8'd1);
        apply(8'd255, 8'd255);
        apply(8'd128, 8'd128);
        apply(8'd128, 8'd255);
        apply(8'd255, 8'd128);
        apply(8'd127, 8'd127);
        apply(8'd170, 8'd85);
        apply(8'd85,  8'd170);
        apply(8'd170, 8'd170);
        // walking ones / all-ones against each operand bit
        for (i = 0; i < 8; i = i + 1)
            for (j = 0; j < 8; j = j + 1)
                apply(8'd1 << i, 8'd1 << j);
        for (i = 0; i < 8; i = i + 1) begin
            apply(8'd255, 8'd1 << i);
            apply(8'd1 << i, 8'd255);
            apply(~(8'd1 << i), 8'd255);
        end
        // random vectors
        for (i = 0; i < 1500; i = i + 1)
            apply($random(seed), $random(seed));
        $display("RESULT: %s mismatches=%0d checks=%0d",
                 (mismatches == 0) ? "PASS" : "FAIL", mismatches, checks);
        $finish;
    end
endmodule
