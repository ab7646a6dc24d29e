`timescale 1ns/1ps
// Self-checking testbench for prienc (combinational).
module tb;
    reg  [15:0] in;
    wire [3:0]  idx;
    wire        valid;

    integer seed;
    integer checks;
    integer mismatches;
    integer i, k;
    reg [3:0] exp_idx;
    reg       exp_valid;
    reg [15:0] r;

    initial seed = 42;

    prienc dut (
        .in    (in),
        .idx   (idx),
        .valid (valid)
    );

    task apply;
        input [15:0] t_in;
        begin
            in = t_in;
            #5;
            // golden model: scan from the MSB downwards, stop at the first 1
            exp_idx = 4'd0;
            exp_valid = 1'b0;
            for (k = 15; k >= 0; k = k - 1)
                if (t_in[k] && !exp_valid) begin
                    exp_idx = k;
                    exp_valid = 1'b1;
                end
            checks = checks + 1;
            if (idx !== exp_idx || valid !== exp_valid) begin
                mismatches = mismatches + 1;
                if (mismatches <= 5)
                    $display("MISMATCH in=%b: got idx=%0d valid=%b, expected idx=%0d valid=%b",
                             t_in, idx, valid, exp_idx, exp_valid);
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
        in = 0;
        // corner cases
        apply(16'h0000);
        apply(16'hFFFF);
        apply(16'h8001);
        apply(16'h7FFF);
        apply(16'h5555);
        apply(16'hAAAA);
        apply(16'h0000);
        // one-hot, thermometer codes, one-hot with every lower bit pattern
        for (i = 0; i < 16; i = i + 1) begin
            apply(16'h1 << i);
            apply(16'hFFFF >> i);
            apply(16'hFFFF << i);
            apply(~(16'h1 << i));
            r = $random(seed);
            apply((16'h1 << i) | (r & ((16'h1 << i) - 1)));
            r = $random(seed);
            apply((16'h1 << i) | (r & ((16'h1 << i) - 1)));
        end
        // random vectors
        for (i = 0; i < 1000; i = i + 1)
            apply($random(seed));
        // random sparse vectors: only the low bits are populated, so lower
        // indices are exercised (uniform random vectors almost always hit bit 15)
        for (i = 0; i < 500; i = i + 1) begin
            r = $random(seed);
            apply(r >> (r[3:0] ^ i[3:0]));
        end
        $display("RESULT: %s mismatches=%0d checks=%0d",
                 (mismatches == 0) ? "PASS" : "FAIL", mismatches, checks);
        $finish;
    end
endmodule
