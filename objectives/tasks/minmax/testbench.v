`timescale 1ns/1ps
// Self-checking testbench for minmax (combinational, signed).
module tb;
    reg  [15:0] a, b;
    wire        a_lt_b, a_eq_b;
    wire [15:0] min, max;

    integer seed;
    integer checks;
    integer mismatches;
    integer i;
    reg        exp_lt, exp_eq;
    reg [15:0] exp_min, exp_max;

    initial seed = 42;

    minmax dut (
        .a      (a),
        .b      (b),
        .a_lt_b (a_lt_b),
        .a_eq_b (a_eq_b),
        .min    (min),
        .max    (max)
    );

    task apply;
        input [15:0] ta;
        input [15:0] tb_;
        begin
            a = ta; b = tb_;
            #5;
            // golden model: flip the sign bits and compare unsigned
            exp_lt  = ({~ta[15], ta[14:0]} < {~tb_[15], tb_[14:0]});
            exp_eq  = (ta == tb_);
            exp_min = exp_lt ? ta : tb_;
            exp_max = exp_lt ? tb_ : ta;
            checks = checks + 1;
            if (a_lt_b !== exp_lt || a_eq_b !== exp_eq || min !== exp_min || max !== exp_max) begin
                mismatches = mismatches + 1;
                if (mismatches <= 5)
                    $display("MISMATCH a=%h b=%h: got lt=%b eq=%b min=%h max=%h, expected lt=%b eq=%b min=%h max=%h",
                             ta, tb_, a_lt_b, a_eq_b, min, max, exp_lt, exp_eq, exp_min, exp_max);
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
        apply(16'h8000, 16'h7FFF);
        apply(16'h7FFF, 16'h8000);
        apply(16'hFFFF, 16'h0000);
        apply(16'h0000, 16'hFFFF);
        apply(16'h8000, 16'hFFFF);
        apply(16'hFFFF, 16'h8000);
        apply(16'h8000, 16'h8000);
        apply(16'h7FFF, 16'h7FFF);
        apply(16'hFFFF, 16'hFFFF);
        apply(16'h0001, 16'h0000);
        apply(16'h0000, 16'h0001);
        apply(16'h8001, 16'h8000);
        apply(16'h8000, 16'h8001);
        apply(16'h7FFE, 16'h7FFF);
        apply(16'h7FFF, 16'h7FFE);
        apply(16'hFFFE, 16'hFFFF);
        apply(16'hFFFF, 16'hFFFE);
        // operands differing in exactly one bit, both orders
        for (i = 0; i < 16; i = i + 1) begin
            a = $random(seed);
            apply(a, a ^ (16'h1 << i));
            apply(a ^ (16'h1 << i), a);
            apply(a, a);
        end
        // random vectors
        for (i = 0; i < 1200; i = i + 1)
            apply($random(seed), $random(seed));
        // random with equal sign bits / equal upper bytes
        for (i = 0; i < 200; i = i + 1) begin
            a = $random(seed);
            b = $random(seed);
            apply(a, {a[15:8], b[7:0]});
        end
        $display("RESULT: %s mismatches=%0d checks=%0d",
                 (mismatches == 0) ? "PASS" : "FAIL", mismatches, checks);
        $finish;
    end
endmodule
