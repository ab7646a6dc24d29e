`timescale 1ns/1ps
// Self-checking testbench for counter.
// Inputs are driven right after the falling edge, outputs are checked at the
// next falling edge (half a cycle after the rising edge that updated them).
module tb;
    reg         clk;
    reg         rst, en, load;
    reg  [15:0] d;
    wire [15:0] q;
    wire        tc;

    integer seed;
    integer checks;
    integer mismatches;
    integer cycles;
    integer i;
    reg [15:0] model;
    reg [31:0] r;

    initial seed = 42;

    counter dut (
        .clk  (clk),
        .rst  (rst),
        .en   (en),
        .load (load),
        .d    (d),
        .q    (q),
        .tc   (tc)
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

    task cycle;
        input        t_rst;
        input        t_load;
        input        t_en;
        input [15:0] t_d;
        begin
            rst = t_rst; load = t_load; en = t_en; d = t_d;
            if (t_rst)       model = 16'd0;
            else if (t_load) model = t_d;
            else if (t_en)   model = model + 16'd1;
            @(negedge clk);
            checks = checks + 1;
            if (q !== model || tc !== (model == 16'hFFFF)) begin
                mismatches = mismatches + 1;
                if (mismatches <= 5)
                    $display("MISMATCH cycle=%0d rst=%b load=%b en=%b d=%h: got q=%h tc=%b, expected q=%h tc=%b",
                             cycles, t_rst, t_load, t_en, t_d, q, tc, model, (model == 16'hFFFF));
            end
        end
    endtask

    initial begin
        checks = 0; mismatches = 0; cycles = 0; model = 16'd0;
        rst = 1'b1; en = 1'b0; load = 1'b0; d = 16'd0;
        @(negedge clk);
        // reset, also with load and enable active
        cycle(1, 0, 0, 16'h0000);
        cycle(1, 1, 1, 16'hFFFF);
        // count a few, hold, count
        for (i = 0; i < 5; i = i + 1) cycle(0, 0, 1, 16'hFFFF);
        for (i = 0; i < 3; i = i + 1) cycle(0, 0, 0, 16'h1234);
        cycle(0, 0, 1, 16'h0000);
        // load near the top and count through the wrap (tc high, then low)
        cycle(0, 1, 0, 16'hFFFC);
        for (i = 0; i < 6; i = i + 1) cycle(0, 0, 1, 16'h0000);
        // load the maximum and hold: tc stays high while disabled
        cycle(0, 1, 1, 16'hFFFF);
        for (i = 0; i < 3; i = i + 1) cycle(0, 0, 0, 16'h0000);
        // reset while at the maximum
        cycle(1, 0, 1, 16'h0000);
        // load wins over enable (back-to-back loads)
        cycle(0, 1, 1, 16'h7FFF);
        cycle(0, 0, 1, 16'h0000);          // carry ripples into bit 15
        cycle(0, 1, 1, 16'h00FF);
        cycle(0, 1, 1, 16'h0FFF);
        cycle(0, 0, 1, 16'h0000);
        cycle(0, 1, 0, 16'hAAAA);
        cycle(0, 1, 0, 16'h5555);
        cycle(0, 0, 1, 16'h0000);
        // carry ripple from every bit position
        for (i = 0; i < 16; i = i + 1) begin
            cycle(0, 1, 0, (16'h1 << i) - 16'h1);
            cycle(0, 0, 1, 16'h0000);
        end
        // random traffic
        for (i = 0; i < 1500; i = i + 1) begin
            r = $random(seed);
            cycle(r[7:0] == 8'd0, r[12:8] == 5'd0, r[13] | r[14], $random(seed));
        end
        // long enabled run through another wrap
        cycle(0, 1, 0, 16'hFF80);
        for (i = 0; i < 300; i = i + 1) cycle(0, 0, 1, $random(seed));
        $display("RESULT: %s mismatches=%0d checks=%0d",
                 (mismatches == 0) ? "PASS" : "FAIL", mismatches, checks);
        $finish;
    end
endmodule
