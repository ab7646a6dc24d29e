`timescale 1ns/1ps
// Self-checking testbench for fir4. Inputs are driven just after the falling
// edge; outputs are checked at the next falling edge.
module tb;
    reg         clk, rst, en;
    reg  [7:0]  x;
    wire [17:0] y;

    integer seed, checks, mismatches, cycles, i;
    reg signed [7:0]  h0, h1, h2, h3;   // sample history: h0 newest
    reg signed [17:0] model;

    initial seed = 42;

    fir4 dut (.clk(clk), .rst(rst), .en(en), .x(x), .y(y));

    initial clk = 1'b0;
    always #5 clk = ~clk;

    always @(posedge clk) begin
        cycles = cycles + 1;
        if (cycles > 20000) begin
            $display("RESULT: FAIL mismatches=%0d checks=%0d", mismatches + 1, checks);
            $finish;
        end
    end

    task cycle;
        input       t_rst;
        input       t_en;
        input [7:0] t_x;
        begin
            rst = t_rst; en = t_en; x = t_x;
            if (t_rst) begin
                h1 = 0; h2 = 0; h3 = 0; model = 0;
            end else if (t_en) begin
                h0 = t_x;
                model = 18'sd3 * h0 - 18'sd5 * h1 + 18'sd7 * h2 + 18'sd2 * h3;
                h3 = h2; h2 = h1; h1 = h0;
            end
            @(negedge clk);
            checks = checks + 1;
            if (y !== model) begin
                mismatches = mismatches + 1;
                if (mismatches <= 5)
                    $display("MISMATCH t=%0t rst=%b en=%b x=%0d: got y=%0d, expected %0d",
                             $time, t_rst, t_en, $signed(t_x), $signed(y), model);
            end
        end
    endtask

    initial begin
        checks = 0; mismatches = 0; cycles = 0;
        h0 = 0; h1 = 0; h2 = 0; h3 = 0; model = 0;
        rst = 1; en = 0; x = 0;
        @(negedge clk);
        cycle(1, 0, 8'd0);
        cycle(1, 1, 8'd127);
        // impulse response, then extremes
        cycle(0, 1, 8'd1);
        cycle(0, 1, 8'd0);
        cycle(0, 1, 8'd0);
        cycle(0, 1, 8'd0);
        cycle(0, 1, 8'd0);
        cycle(0, 1, 8'h80);
        cycle(0, 1, 8'h80);
        cycle(0, 1, 8'h80);
        cycle(0, 1, 8'h80);
        cycle(0, 1, 8'h7f);
        cycle(0, 1, 8'h7f);
        cycle(0, 1, 8'h7f);
        cycle(0, 1, 8'h7f);
        cycle(0, 0, 8'h55);   // hold: history and output unchanged
        cycle(0, 0, 8'haa);
        cycle(0, 1, 8'hff);
        cycle(1, 1, 8'h12);   // reset wins over enable
        cycle(0, 1, 8'h34);
        for (i = 0; i < 1500; i = i + 1)
            cycle(($random(seed) & 63) == 0, ($random(seed) & 7) != 0, $random(seed));
        $display("RESULT: %s mismatches=%0d checks=%0d", mismatches == 0 ? "PASS" : "FAIL",
                 mismatches, checks);
        $finish;
    end
endmodule
