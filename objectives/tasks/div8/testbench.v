`timescale 1ns/1ps
// Self-checking testbench for div8 (start/busy/done handshake).
// Inputs are driven right after the falling edge; outputs are checked at the
// falling edge (half a cycle after the rising edge that updated them).
module tb;
    reg         clk;
    reg         rst, start;
    reg  [15:0] dividend;
    reg  [7:0]  divisor;
    wire        busy, done;
    wire [15:0] quotient;
    wire [7:0]  remainder;

    localparam MAX_LATENCY = 32;   // per operation, from the spec

    integer seed;
    integer checks;
    integer mismatches;
    integer cycles;
    integer i;
    reg [15:0] exp_q, last_q;
    reg [7:0]  exp_r, last_r;
    reg [15:0] x;
    reg [7:0]  y;

    initial seed = 42;

    div8 dut (
        .clk       (clk),
        .rst       (rst),
        .start     (start),
        .dividend  (dividend),
        .divisor   (divisor),
        .busy      (busy),
        .done      (done),
        .quotient  (quotient),
        .remainder (remainder)
    );

    initial clk = 1'b0;
    always #5 clk = ~clk;

    // global watchdog
    always @(posedge clk) begin
        cycles = cycles + 1;
        if (cycles > 50000) begin
            $display("watchdog: simulation ran past the cycle limit");
            $display("RESULT: FAIL mismatches=%0d checks=%0d", mismatches + 1, checks);
            $finish;
        end
    end

    task fail;
        input [8*40-1:0] what;
        begin
            mismatches = mismatches + 1;
            if (mismatches <= 5)
                $display("MISMATCH cycle=%0d %0s: busy=%b done=%b q=%h r=%h (expected q=%h r=%h)",
                         cycles, what, busy, done, quotient, remainder, exp_q, exp_r);
        end
    endtask

    // Issue one request (called right after a falling edge while busy == 0)
    // and wait for done. If poke is set, start is pulsed with other operands
    // while busy (it must be ignored).
    task run_op;
        input [15:0] n;
        input [7:0]  dv;
        input        poke;
        integer c;
        reg ok;
        begin
            start = 1'b1; dividend = n; divisor = dv;
            // golden model
            if (dv == 8'd0) begin
                exp_q = 16'hFFFF; exp_r = n[7:0];
            end else begin
                exp_q = n / dv;
                exp_r = n % dv;
            end
            @(negedge clk);
            start = 1'b0; dividend = $random(seed); divisor = $random(seed);
            checks = checks + 1;
            if (busy !== 1'b1 || done !== 1'b0) fail("not busy after start");
            ok = 1'b1;
            c = 1;
            while (done !== 1'b1) begin
                if (poke && c == 2) begin
                    start = 1'b1; dividend = 16'd100; divisor = 8'd3;
                end else begin
                    start = 1'b0;
                end
                @(negedge clk);
                c = c + 1;
                if (done !== 1'b1 && busy !== 1'b1 && ok) begin
                    fail("busy dropped before done");
                    ok = 1'b0;
                end
                if (c > MAX_LATENCY) begin
                    $display("watchdog: no done within %0d cycles for %0d / %0d", MAX_LATENCY, n, dv);
                    $display("RESULT: FAIL mismatches=%0d checks=%0d", mismatches + 1, checks);
                    $finish;
                end
            end
            start = 1'b0;
            checks = checks + 1;
            if (quotient !== exp_q || remainder !== exp_r || busy !== 1'b0)
                fail("wrong result at done");
            last_q = exp_q; last_r = exp_r;
        end
    endtask

    // stay idle for n cycles: done low, busy low, result held
    task idle;
        input integer n;
        integer j;
        begin
            for (j = 0; j < n; j = j + 1) begin
                start = 1'b0; dividend = $random(seed); divisor = $random(seed);
                @(negedge clk);
                checks = checks + 1;
                if (done !== 1'b0 || busy !== 1'b0 || quotient !== last_q || remainder !== last_r)
                    fail("idle: done/busy not low or result not held");
            end
        end
    endtask

    initial begin
        checks = 0; mismatches = 0; cycles = 0;
        exp_q = 0; exp_r = 0; last_q = 0; last_r = 0;
        rst = 1'b1; start = 1'b0; dividend = 16'd0; divisor = 8'd0;
        @(negedge clk);
        @(negedge clk);
        // reset with start asserted: nothing must start
        start = 1'b1; dividend = 16'd100; divisor = 8'd7;
        @(negedge clk);
        rst = 1'b0; start = 1'b0;
        checks = checks + 1;
        if (busy !== 1'b0 || done !== 1'b0) fail("after reset");
        // corner cases
        run_op(16'd0,     8'd0,   0); idle(1);   // 0 / 0
        run_op(16'hFFFF,  8'd0,   0); idle(1);   // divide by zero
        run_op(16'h1234,  8'd0,   0); idle(1);
        run_op(16'h00FF,  8'd0,   0); idle(1);
        run_op(16'd0,     8'd1,   0); idle(1);
        run_op(16'd0,     8'd255, 0); idle(1);
        run_op(16'hFFFF,  8'd1,   0); idle(1);
        run_op(16'hFFFF,  8'd255, 0); idle(1);
        run_op(16'hFFFF,  8'd2,   0); idle(1);
        run_op(16'hFFFF,  8'd128, 0); idle(1);
        run_op(16'hFFFF,  8'd254, 0); idle(1);
        run_op(16'hFF00,  8'd255, 0); idle(1);
        run_op(16'hFEFF,  8'd255, 0); idle(1);   // remainder 254
        run_op(16'd255,   8'd255, 0); idle(1);
        run_op(16'd254,   8'd255, 0); idle(1);   // dividend < divisor
        run_op(16'd5,     8'd9,   0); idle(1);
        run_op(16'd1000,  8'd7,   0); idle(1);
        run_op(16'h8000,  8'd3,   0); idle(1);
        run_op(16'h7FFF,  8'd129, 0); idle(1);
        // back-to-back: start in the cycle where done is high
        run_op(16'd12345, 8'd10,  0);
        run_op(16'hFFFF,  8'd0,   0);
        run_op(16'd77,    8'd77,  0);
        run_op(16'd1,     8'd2,   0);
        idle(2);
        // start while busy must be ignored
        run_op(16'd50000, 8'd201, 1); idle(1);
        run_op(16'd9999,  8'd0,   1); idle(1);
        // reset during an operation: abandoned, busy/done low afterwards
        start = 1'b1; dividend = 16'd60000; divisor = 8'd13;
        @(negedge clk);
        start = 1'b0;
        repeat (5) @(negedge clk);
        rst = 1'b1;
        @(negedge clk);
        rst = 1'b0;
        checks = checks + 1;
        if (busy !== 1'b0 || done !== 1'b0) fail("reset during operation");
        // random operations: mixed divisor ranges, some back to back
        for (i = 0; i < 240; i = i + 1) begin
            x = $random(seed);
            y = $random(seed);
            case (i % 4)
                0: ;                            // full range
                1: y = y & 8'h0F;               // small divisors, large quotients
                2: x = x & 16'h01FF;            // small dividends
                3: y = y | 8'h80;               // large divisors
            endcase
            if (i % 25 == 0) y = 8'd0;          // occasional divide by zero
            run_op(x, y, 0);
            if (i % 3 == 0) idle(1);
        end
        $display("RESULT: %s mismatches=%0d checks=%0d",
                 (mismatches == 0) ? "PASS" : "FAIL", mismatches, checks);
        $finish;
    end
endmodule
