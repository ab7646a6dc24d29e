`timescale 1ns/1ps
// Self-checking testbench for crc (CRC-16/CCITT-FALSE, one byte per cycle).
// Inputs are driven right after the falling edge; crc is checked at the next
// falling edge (half a cycle after the rising edge that updated it).
module tb;
    reg         clk;
    reg         rst, init, valid;
    reg  [7:0]  data;
    wire [15:0] crc;

    integer seed;
    integer checks;
    integer mismatches;
    integer cycles;
    integer i, j, len;
    reg [15:0] model;
    reg [31:0] r;

    initial seed = 42;

    crc dut (
        .clk   (clk),
        .rst   (rst),
        .init  (init),
        .valid (valid),
        .data  (data),
        .crc   (crc)
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

    // golden model: bit-serial LFSR, one input bit at a time
    function [15:0] serial_crc;
        input [15:0] c;
        input [7:0]  d;
        integer b;
        reg fb;
        begin
            serial_crc = c;
            for (b = 7; b >= 0; b = b - 1) begin
                fb = serial_crc[15] ^ d[b];
                serial_crc = {serial_crc[14:0], 1'b0} ^ (fb ? 16'h1021 : 16'h0000);
            end
        end
    endfunction

    task check_value;
        input [15:0] expected;
        begin
            checks = checks + 1;
            if (crc !== expected) begin
                mismatches = mismatches + 1;
                if (mismatches <= 5)
                    $display("MISMATCH cycle=%0d: got crc=%h, expected %h", cycles, crc, expected);
            end
        end
    endtask

    task cycle;
        input       t_rst;
        input       t_init;
        input       t_valid;
        input [7:0] t_data;
        begin
            rst = t_rst; init = t_init; valid = t_valid; data = t_data;
            if (t_rst)
                model = 16'hFFFF;
            else if (t_valid)
                model = serial_crc(t_init ? 16'hFFFF : model, t_data);
            else if (t_init)
                model = 16'hFFFF;
            @(negedge clk);
            checks = checks + 1;
            if (crc !== model) begin
                mismatches = mismatches + 1;
                if (mismatches <= 5)
                    $display("MISMATCH cycle=%0d rst=%b init=%b valid=%b data=%h: got crc=%h, expected %h",
                             cycles, t_rst, t_init, t_valid, t_data, crc, model);
            end
        end
    endtask

    initial begin
        checks = 0; mismatches = 0; cycles = 0; model = 16'hFFFF;
        rst = 1'b1; init = 1'b0; valid = 1'b0; data = 8'h00;
        @(negedge clk);
        cycle(1, 0, 0, 8'h00);
        cycle(1, 1, 1, 8'h55);                  // reset wins
        // known answer: CRC-16/CCITT-FALSE("123456789") = 0x29B1
        cycle(0, 1, 1, 8'h31);                  // init + first byte together
        for (i = 2; i <= 9; i = i + 1) cycle(0, 0, 1, 8'h30 + i);
        check_value(16'h29B1);
        // idle cycles keep the value
        cycle(0, 0, 0, 8'hFF);
        cycle(0, 0, 0, 8'h00);
        check_value(16'h29B1);
        // init alone, then the same message with a gap in the middle
        cycle(0, 1, 0, 8'h12);
        for (i = 1; i <= 9; i = i + 1) begin
            cycle(0, 0, 1, 8'h30 + i);
            if (i == 4) cycle(0, 0, 0, 8'hAA);
        end
        check_value(16'h29B1);
        // single bytes from init: 0x00, 0xFF, 0x80, 0x01
        cycle(0, 1, 1, 8'h00);
        cycle(0, 1, 1, 8'hFF);
        cycle(0, 1, 1, 8'h80);
        cycle(0, 1, 1, 8'h01);
        // long run of 0x00 and 0xFF bytes
        for (i = 0; i < 20; i = i + 1) cycle(0, 0, 1, 8'h00);
        for (i = 0; i < 20; i = i + 1) cycle(0, 0, 1, 8'hFF);
        // each single-bit byte value from a fresh start
        for (i = 0; i < 8; i = i + 1) begin
            cycle(0, 1, 1, 8'h01 << i);
            cycle(0, 0, 1, ~(8'h01 << i));
        end
        // reset in the middle of a message
        cycle(0, 0, 1, 8'h5A);
        cycle(1, 0, 1, 8'hA5);
        cycle(0, 0, 1, 8'hA5);
        // random messages: random lengths, gaps, occasional init/reset
        for (i = 0; i < 150; i = i + 1) begin
            r = $random(seed);
            len = r[15:12] + 1;
            cycle(r[9:0] == 10'd0, 1'b1, r[10], $random(seed));
            for (j = 0; j < len; j = j + 1) begin
                r = $random(seed);
                cycle(1'b0, r[7:0] == 8'd0, r[9:8] != 2'b00, $random(seed));
            end
        end
        $display("RESULT: %s mismatches=%0d checks=%0d",
                 (mismatches == 0) ? "PASS" : "FAIL", mismatches, checks);
        $finish;
    end
endmodule
