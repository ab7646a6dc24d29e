`timescale 1ns/1ps
// Self-checking testbench for adder32 (combinational).
module tb;
    reg  [31:0] a, b;
    reg         cin;
    wire [31:0] sum;
    wire        cout;

    integer seed;
    integer checks;
    integer mismatches;
    integer i;
    reg [32:0] expected;

    initial seed = 42;

    adder32 dut (
        .a    (a),
        .b    (b),
        .cin  (cin),
        .sum  (sum),
        .cout (cout)
    );

    task apply;
        input [31:0] ta;
        input [31:0] tb_;
        input        tc;
        begin
            a = ta; b = tb_; cin = tc;
            #5;
            expected = {1'b0, ta} + {1'b0, tb_} + {32'd0, tc};
            checks = checks + 1;
            if ({cout, sum} !== expected) begin
                mismatches = mismatches + 1;
                if (mismatches <= 5)
                    $display("MISMATCH a=%h b=%h cin=%b: got cout=%b sum=%h, expected cout=%b sum=%h",
                             ta, tb_, tc, cout, sum, expected[32], expected[31:0]);
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
        a = 0; b = 0; cin = 0;
        // corner cases
        apply(32'h00000000, 32'h00000000, 1'b0);
        apply(32'h00000000, 32'h00000000, 1'b1);
        apply(32'hFFFFFFFF, 32'h00000000, 1'b0);
        apply(32'hFFFFFFFF, 32'h00000000, 1'b1);
        apply(32'h00000000, 32'hFFFFFFFF, 1'b1);
        apply(32'hFFFFFFFF, 32'h00000001, 1'b0);
        apply(32'hFFFFFFFF, 32'hFFFFFFFF, 1'b0);
        apply(32'hFFFFFFFF, 32'hFFFFFFFF, 1'b1);
        apply(32'h80000000, 32'h80000000, 1'b0);
        apply(32'h7FFFFFFF, 32'h00000001, 1'b0);
        apply(32'h7FFFFFFF, 32'h7FFFFFFF, 1'b1);
        apply(32'hAAAAAAAA, 32'h55555555, 1'b0);
        apply(32'hAAAAAAAA, 32'h55555555, 1'b1);
        apply(32'h55555555, 32'h55555555, 1'b1);
        apply(32'hAAAAAAAA, 32'hAAAAAAAA, 1'b0);
        // carry generated at each bit position, and propagated from each position
        for (i = 0; i < 32; i = i + 1) begin
            apply(32'h1 << i, 32'h1 << i, 1'b0);
            apply(32'hFFFFFFFF << i, 32'h1 << i, 1'b0);
            apply(~(32'h1 << i), 32'h0, 1'b1);
        end
        // random vectors
        for (i = 0; i < 1500; i = i + 1)
            apply($random(seed), $random(seed), $random(seed));
        // random with one operand forced to propagate (long carry chains)
        for (i = 0; i < 300; i = i + 1) begin
            a = $random(seed);
            apply(a, ~a, $random(seed));
        end
        $display("RESULT: %s mismatches=%0d checks=%0d",
                 (mismatches == 0) ? "PASS" : "FAIL", mismatches, checks);
        $finish;
    end
endmodule
