`timescale 1ns/1ps
// Self-checking testbench for alu (combinational).
module tb;
    reg  [15:0] a, b;
    reg  [2:0]  op;
    wire [15:0] y;
    wire        zero;

    integer seed;
    integer checks;
    integer mismatches;
    integer i, o;
    reg [15:0] exp_y;
    reg        exp_zero;
    reg [16:0] t17;

    initial seed = 42;

    alu dut (
        .a    (a),
        .b    (b),
        .op   (op),
        .y    (y),
        .zero (zero)
    );

    // golden model
    function [15:0] golden;
        input [15:0] x;
        input [15:0] z;
        input [2:0]  code;
        reg [16:0] s;
        begin
            case (code)
                3'd0: begin s = {1'b0, x} + {1'b0, z}; golden = s[15:0]; end
                3'd1: begin s = {1'b0, x} + {1'b0, ~z} + 17'd1; golden = s[15:0]; end
                3'd2: golden = x & z;
                3'd3: golden = x | z;
                3'd4: golden = x ^ z;
                3'd5: golden = {x[14:0], 1'b0};
                3'd6: golden = {1'b0, x[15:1]};
                default: begin
                    // signed less-than from the sign bits and an unsigned compare
                    if (x[15] != z[15])
                        golden = {15'd0, x[15]};
                    else
                        golden = {15'd0, (x < z)};
                end
            endcase
        end
    endfunction

    task apply;
        input [15:0] ta;
        input [15:0] tb_;
        input [2:0]  t_op;
        begin
            a = ta; b = tb_; op = t_op;
            #5;
            exp_y = golden(ta, tb_, t_op);
            exp_zero = (exp_y == 16'd0);
            checks = checks + 1;
            if (y !== exp_y || zero !== exp_zero) begin
                mismatches = mismatches + 1;
                if (mismatches <= 5)
                    $display("MISMATCH a=%h b=%h op=%0d: got y=%h zero=%b, expected y=%h zero=%b",
                             ta, tb_, t_op, y, zero, exp_y, exp_zero);
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
        a = 0; b = 0; op = 0;
        // corner cases for every opcode
        for (o = 0; o < 8; o = o + 1) begin
            apply(16'h0000, 16'h0000, o);
            apply(16'hFFFF, 16'hFFFF, o);
            apply(16'hFFFF, 16'h0001, o);
            apply(16'h0001, 16'hFFFF, o);
            apply(16'h0000, 16'h0001, o);
            apply(16'h8000, 16'h7FFF, o);
            apply(16'h7FFF, 16'h8000, o);
            apply(16'h8000, 16'h8000, o);
            apply(16'h8000, 16'h0000, o);
            apply(16'h0000, 16'h8000, o);
            apply(16'h7FFF, 16'h7FFF, o);
            apply(16'h7FFF, 16'h0001, o);
            apply(16'h8001, 16'h8000, o);
            apply(16'hAAAA, 16'h5555, o);
            apply(16'h5555, 16'h5555, o);
            apply(16'h0001, 16'h0000, o);
        end
        // random vectors, all opcodes
        for (i = 0; i < 1200; i = i + 1)
            apply($random(seed), $random(seed), $random(seed));
        // random equal / near-equal operands for SUB and SLT
        for (i = 0; i < 200; i = i + 1) begin
            a = $random(seed);
            apply(a, a, 3'd1);
            apply(a, a, 3'd7);
            apply(a, a + 16'd1, 3'd7);
            apply(a + 16'd1, a, 3'd7);
        end
        $display("RESULT: %s mismatches=%0d checks=%0d",
                 (mismatches == 0) ? "PASS" : "FAIL", mismatches, checks);
        $finish;
    end
endmodule
