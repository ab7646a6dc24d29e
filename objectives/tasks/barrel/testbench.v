`timescale 1ns/1ps
// Self-checking testbench for barrel (combinational).
module tb;
    reg  [31:0] data;
    reg  [4:0]  shamt;
    reg         dir;
    reg  [1:0]  mode;
    wire [31:0] out;

    integer seed;
    integer checks;
    integer mismatches;
    integer i, m, d, s;
    reg [31:0] expected;

    initial seed = 42;

    barrel dut (
        .data  (data),
        .shamt (shamt),
        .dir   (dir),
        .mode  (mode),
        .out   (out)
    );

    // golden model, bit by bit: out[k] takes data[k -/+ s] or the fill bit
    function [31:0] golden;
        input [31:0] x;
        input [4:0]  sh;
        input        right;
        input [1:0]  md;
        integer k, src;
        reg fill;
        begin
            fill = (md == 2'b01 && right) ? x[31] : 1'b0;
            for (k = 0; k < 32; k = k + 1) begin
                src = right ? k + sh : k - sh;
                if (md == 2'b10)
                    golden[k] = x[(src + 32) % 32];
                else if (src >= 0 && src < 32)
                    golden[k] = x[src];
                else
                    golden[k] = fill;
            end
        end
    endfunction

    task apply;
        input [31:0] t_data;
        input [4:0]  t_shamt;
        input        t_dir;
        input [1:0]  t_mode;
        begin
            data = t_data; shamt = t_shamt; dir = t_dir; mode = t_mode;
            #5;
            expected = golden(t_data, t_shamt, t_dir, t_mode);
            checks = checks + 1;
            if (out !== expected) begin
                mismatches = mismatches + 1;
                if (mismatches <= 5)
                    $display("MISMATCH data=%h shamt=%0d dir=%b mode=%b: got %h, expected %h",
                             t_data, t_shamt, t_dir, t_mode, out, expected);
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
        data = 0; shamt = 0; dir = 0; mode = 0;
        // corner cases: every mode/direction with fixed patterns at s = 0, 1, 16, 31
        for (m = 0; m < 4; m = m + 1)
            for (d = 0; d < 2; d = d + 1) begin
                apply(32'h80000001, 5'd0,  d, m);
                apply(32'h80000001, 5'd1,  d, m);
                apply(32'h80000001, 5'd31, d, m);
                apply(32'h80000000, 5'd31, d, m);
                apply(32'h7FFFFFFF, 5'd31, d, m);
                apply(32'hFFFFFFFF, 5'd16, d, m);
                apply(32'h00000000, 5'd7,  d, m);
                apply(32'h12345678, 5'd4,  d, m);
                apply(32'hDEADBEEF, 5'd16, d, m);
            end
        // every shift amount in every mode/direction, for a negative and a
        // positive random value
        for (m = 0; m < 4; m = m + 1)
            for (d = 0; d < 2; d = d + 1)
                for (s = 0; s < 32; s = s + 1) begin
                    apply($random(seed) | 32'h80000000, s, d, m);
                    apply($random(seed) & 32'h7FFFFFFF, s, d, m);
                end
        // random vectors
        for (i = 0; i < 600; i = i + 1)
            apply($random(seed), $random(seed), $random(seed), $random(seed));
        $display("RESULT: %s mismatches=%0d checks=%0d",
                 (mismatches == 0) ? "PASS" : "FAIL", mismatches, checks);
        $finish;
    end
endmodule
