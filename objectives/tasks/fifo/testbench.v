`timescale 1ns/1ps
// Self-checking testbench for fifo (show-ahead, depth 8).
// Inputs are driven right after the falling edge; outputs are checked at the
// next falling edge (half a cycle after the rising edge that updated them).
module tb;
    reg        clk;
    reg        rst, push, pop;
    reg  [7:0] din;
    wire [7:0] dout;
    wire       full, empty;
    wire [3:0] count;

    integer seed;
    integer checks;
    integer mismatches;
    integer cycles;
    integer i;
    reg [31:0] r;

    // golden model: circular buffer
    reg [7:0] q [0:7];
    integer head, n;
    reg acc_push, acc_pop;
    reg [7:0] exp_dout;

    initial seed = 42;

    fifo dut (
        .clk   (clk),
        .rst   (rst),
        .push  (push),
        .pop   (pop),
        .din   (din),
        .dout  (dout),
        .full  (full),
        .empty (empty),
        .count (count)
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
        input       t_rst;
        input       t_push;
        input       t_pop;
        input [7:0] t_din;
        begin
            rst = t_rst; push = t_push; pop = t_pop; din = t_din;
            if (t_rst) begin
                head = 0; n = 0;
            end else begin
                acc_push = t_push && (n < 8);
                acc_pop  = t_pop && (n > 0);
                if (acc_push) q[(head + n) % 8] = t_din;
                if (acc_pop) head = (head + 1) % 8;
                n = n + acc_push - acc_pop;
            end
            exp_dout = q[head];
            @(negedge clk);
            checks = checks + 1;
            if (count !== n || empty !== (n == 0) || full !== (n == 8) ||
                (n != 0 && dout !== exp_dout)) begin
                mismatches = mismatches + 1;
                if (mismatches <= 5)
                    $display("MISMATCH cycle=%0d rst=%b push=%b pop=%b din=%h: got count=%0d empty=%b full=%b dout=%h, expected count=%0d empty=%b full=%b dout=%h",
                             cycles, t_rst, t_push, t_pop, t_din, count, empty, full, dout,
                             n, (n == 0), (n == 8), (n != 0) ? exp_dout : 8'hxx);
            end
        end
    endtask

    initial begin
        checks = 0; mismatches = 0; cycles = 0; head = 0; n = 0;
        rst = 1'b1; push = 1'b0; pop = 1'b0; din = 8'h00;
        @(negedge clk);
        cycle(1, 0, 0, 8'h00);
        cycle(1, 1, 1, 8'hAA);            // push/pop ignored during reset
        // pop when empty (ignored), push+pop when empty (push only)
        cycle(0, 0, 1, 8'h00);
        cycle(0, 1, 1, 8'h11);
        cycle(0, 0, 1, 8'h00);            // back to empty
        cycle(0, 0, 1, 8'h00);            // pop when empty again
        // fill completely, push when full (ignored)
        for (i = 0; i < 8; i = i + 1) cycle(0, 1, 0, 8'hA0 + i);
        cycle(0, 1, 0, 8'hEE);
        cycle(0, 1, 0, 8'hEF);
        cycle(0, 0, 0, 8'h00);
        // push+pop when full: only the pop happens
        cycle(0, 1, 1, 8'hDD);
        cycle(0, 1, 0, 8'hB8);            // full again
        // drain completely, then pop when empty
        for (i = 0; i < 9; i = i + 1) cycle(0, 0, 1, 8'h00);
        // simultaneous push and pop at partial occupancy (pointer wrap-around)
        cycle(0, 1, 0, 8'h01);
        cycle(0, 1, 0, 8'h02);
        for (i = 0; i < 20; i = i + 1) cycle(0, 1, 1, 8'h10 + i);
        // reset while non-empty, then check it is empty and works again
        cycle(1, 1, 0, 8'h77);
        cycle(0, 0, 1, 8'h00);
        cycle(0, 1, 0, 8'h00);
        cycle(0, 1, 0, 8'hFF);
        cycle(0, 0, 1, 8'h00);
        cycle(0, 0, 1, 8'h00);
        // fill and drain with all-ones / all-zeros data
        for (i = 0; i < 8; i = i + 1) cycle(0, 1, 0, i[0] ? 8'hFF : 8'h00);
        for (i = 0; i < 8; i = i + 1) cycle(0, 0, 1, 8'h00);
        // random traffic in phases: push-heavy, balanced, pop-heavy
        for (i = 0; i < 1800; i = i + 1) begin
            r = $random(seed);
            case ((i / 100) % 3)
                0: cycle(r[11:0] == 12'd0, r[3:0] < 4'd12, r[7:4] < 4'd5,  $random(seed));
                1: cycle(r[11:0] == 12'd0, r[3:0] < 4'd8,  r[7:4] < 4'd8,  $random(seed));
                default: cycle(r[11:0] == 12'd0, r[3:0] < 4'd5,  r[7:4] < 4'd12, $random(seed));
            endcase
        end
        $display("RESULT: %s mismatches=%0d checks=%0d",
                 (mismatches == 0) ? "PASS" : "FAIL", mismatches, checks);
        $finish;
    end
endmodule
