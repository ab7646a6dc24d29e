`timescale 1ns/1ps
// Self-checking testbench for pipemul (latency 3, asynchronous active-low reset).
// Inputs are driven right after the falling edge; outputs are checked at the
// next falling edge (half a cycle after the rising edge that updated them).
module tb;
    reg         clk;
    reg         rst_n;
    reg         in_valid;
    reg  [15:0] a, b;
    wire        out_valid;
    wire [31:0] p;

    integer seed;
    integer checks;
    integer mismatches;
    integer cycles;
    integer results;
    integer i;
    reg [31:0] r;

    // golden model: three pipeline slots
    reg        v1, v2, v3;
    reg [31:0] p1, p2, p3;

    initial seed = 42;

    pipemul dut (
        .clk       (clk),
        .rst_n     (rst_n),
        .in_valid  (in_valid),
        .a         (a),
        .b         (b),
        .out_valid (out_valid),
        .p         (p)
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

    task compare;
        begin
            checks = checks + 1;
            if (out_valid !== v3 || (v3 && p !== p3)) begin
                mismatches = mismatches + 1;
                if (mismatches <= 5)
                    $display("MISMATCH cycle=%0d: got out_valid=%b p=%h, expected out_valid=%b p=%h",
                             cycles, out_valid, p, v3, v3 ? p3 : 32'hxxxxxxxx);
            end
            if (v3) results = results + 1;
        end
    endtask

    task cycle;
        input        t_valid;
        input [15:0] t_a;
        input [15:0] t_b;
        begin
            in_valid = t_valid; a = t_a; b = t_b;
            v3 = v2; p3 = p2;
            v2 = v1; p2 = p1;
            v1 = t_valid; p1 = {16'd0, t_a} * {16'd0, t_b};
            @(negedge clk);
            compare;
        end
    endtask

    // asynchronous reset pulse in the middle of the low clock phase:
    // out_valid must drop before the next rising edge
    task async_reset;
        begin
            #2 rst_n = 1'b0;
            in_valid = 1'b0;
            v1 = 1'b0; v2 = 1'b0; v3 = 1'b0;
            #1 compare;
            #1 rst_n = 1'b1;
            @(negedge clk);
        end
    endtask

    initial begin
        checks = 0; mismatches = 0; cycles = 0; results = 0;
        v1 = 0; v2 = 0; v3 = 0; p1 = 0; p2 = 0; p3 = 0;
        rst_n = 1'b0; in_valid = 1'b0; a = 16'd0; b = 16'd0;
        // hold reset over a few rising edges, release after a falling edge
        @(negedge clk);
        @(negedge clk);
        #2 compare;
        @(negedge clk);
        rst_n = 1'b1;
        cycle(0, 16'd0, 16'd0);
        cycle(0, 16'd0, 16'd0);
        cycle(0, 16'd0, 16'd0);
        // corner cases, back to back
        cycle(1, 16'h0000, 16'h0000);
        cycle(1, 16'hFFFF, 16'hFFFF);
        cycle(1, 16'hFFFF, 16'h0001);
        cycle(1, 16'h0001, 16'hFFFF);
        cycle(1, 16'h8000, 16'h8000);
        cycle(1, 16'hFFFF, 16'h0000);
        cycle(1, 16'h00FF, 16'hFF00);
        cycle(1, 16'hFF00, 16'h00FF);
        cycle(1, 16'h0100, 16'h0100);
        cycle(1, 16'hAAAA, 16'h5555);
        // isolated requests (bubbles)
        cycle(0, 16'h1234, 16'h5678);
        cycle(1, 16'h1234, 16'h5678);
        cycle(0, 16'hFFFF, 16'hFFFF);
        cycle(0, 16'hFFFF, 16'hFFFF);
        cycle(1, 16'h0002, 16'h8000);
        for (i = 0; i < 4; i = i + 1) cycle(0, 16'd0, 16'd0);
        // walking ones
        for (i = 0; i < 16; i = i + 1) begin
            cycle(1, 16'h1 << i, 16'hFFFF);
            cycle(1, 16'hFFFF, 16'h1 << i);
        end
        // asynchronous reset with the pipeline full: all in-flight requests dropped
        cycle(1, 16'd3, 16'd5);
        cycle(1, 16'd7, 16'd11);
        async_reset;
        compare;
        cycle(0, 16'd0, 16'd0);
        cycle(0, 16'd0, 16'd0);
        cycle(0, 16'd0, 16'd0);
        // random traffic, mostly valid
        for (i = 0; i < 150; i = i + 1) begin
            r = $random(seed);
            cycle(r[1:0] != 2'b00, $random(seed), $random(seed));
            if (r[8:2] == 7'd0) async_reset;
        end
        // drain
        for (i = 0; i < 4; i = i + 1) cycle(0, 16'd0, 16'd0);
        if (results < 120) begin
            $display("testbench error: too few results checked (%0d)", results);
            mismatches = mismatches + 1;
        end
        $display("RESULT: %s mismatches=%0d checks=%0d",
                 (mismatches == 0) ? "PASS" : "FAIL", mismatches, checks);
        $finish;
    end
endmodule
