`timescale 1ns/1ps
// Self-checking testbench for mac8.
// Inputs are driven right after the falling edge, outputs are checked at the
// next falling edge (i.e. half a cycle after the rising edge that updated them).
module tb;
    reg         clk;
    reg         rst;
    reg         en;
    reg  [7:0]  a, b;
    wire [19:0] acc;

    integer seed;
    integer checks;
    integer mismatches;
    integer cycles;
    integer i;
    reg [19:0] model;   // golden accumulator

    initial seed = 42;

    mac8 dut (
        .clk (clk),
        .rst (rst),
        .en  (en),
        .a   (a),
        .b   (b),
        .acc (acc)
    );

    initial clk = 1'b0;
    always #5 clk = ~clk;

    // watchdog
    always @(posedge clk) begin
        cycles = cycles + 1;
        if (cycles > 10000) begin
            $display("RESULT: FAIL mismatches=%0d checks=%0d", mismatches + 1, checks);
            $finish;
        end
    end

    // Drive one cycle (called just after a falling edge), update the golden
    // model, wait for the next falling edge and compare.
    task cycle;
        input       t_rst;
        input       t_en;
        input [7:0] t_a;
        input [7:0] t_b;
        begin
            rst = t_rst; en = t_en; a = t_a; b = t_b;
            if (t_rst)
                model = 20'd0;
            else if (t_en)
                model = model + t_a * t_b;   // 20-bit result, wraps
            @(negedge clk);
            checks = checks + 1;
            if (acc !== model) begin
                mismatches = mismatches + 1;
                if (mismatches <= 5)
                    $display("MISMATCH cycle=%0d rst=%b en=%b a=%0d b=%0d: got acc=%0d (%h), expected %0d (%h)",
                             cycles, t_rst, t_en, t_a, t_b, acc, acc, model, model);
            end
        end
    endtask

    initial begin
        checks = 0; mismatches = 0; cycles = 0; model = 20'd0;
        rst = 1'b1; en = 1'b0; a = 8'd0; b = 8'd0;
        @(negedge clk);
        // reset (with and without enable/operands active)
        cycle(1, 0, 8'd0, 8'd0);
        cycle(1, 1, 8'd255, 8'd255);
        // enable with zero operands, hold with en=0
        cycle(0, 1, 8'd0, 8'd0);
        cycle(0, 1, 8'd0, 8'd255);
        cycle(0, 1, 8'd255, 8'd0);
        cycle(0, 0, 8'd255, 8'd255);
        cycle(0, 1, 8'd1, 8'd1);
        cycle(0, 0, 8'd200, 8'd200);
        cycle(0, 1, 8'd128, 8'd2);
        // back-to-back maximal products: wraps past 2^20 after 17 cycles
        for (i = 0; i < 40; i = i + 1)
            cycle(0, 1, 8'd255, 8'd255);
        // known answer from the spec: 17 x (255 * 255) from 0 wraps to 56849
        cycle(1, 0, 8'd0, 8'd0);
        for (i = 0; i < 17; i = i + 1)
            cycle(0, 1, 8'd255, 8'd255);
        checks = checks + 1;
        if (acc !== 20'd56849) begin
            mismatches = mismatches + 1;
            $display("MISMATCH after 17 x 255*255: got acc=%0d, expected 56849", acc);
        end
        // hold for a few cycles with operands toggling
        for (i = 0; i < 5; i = i + 1)
            cycle(0, 0, $random(seed), $random(seed));
        // reset in the middle of accumulation, then accumulate again
        cycle(1, 1, 8'd17, 8'd3);
        cycle(0, 1, 8'd17, 8'd3);
        cycle(0, 1, 8'd255, 8'd1);
        cycle(0, 1, 8'd1, 8'd255);
        // random traffic: mostly enabled, occasional reset
        for (i = 0; i < 1000; i = i + 1)
            cycle(($random(seed) % 200) == 0, ($random(seed) & 3) != 0,
                  $random(seed), $random(seed));
        // long run of large products to exercise wrap-around again
        for (i = 0; i < 100; i = i + 1)
            cycle(0, 1, 8'd192 | $random(seed), 8'd192 | $random(seed));
        $display("RESULT: %s mismatches=%0d checks=%0d",
                 (mismatches == 0) ? "PASS" : "FAIL", mismatches, checks);
        $finish;
    end
endmodule
