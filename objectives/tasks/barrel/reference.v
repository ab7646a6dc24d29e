// barrel: 32-bit barrel shifter.
//   dir:  0 = left, 1 = right
//   mode: 00 = logical, 01 = arithmetic (sign fill on right shifts),
//         10 = rotate,  11 = reserved, same as logical
module barrel (
    input  wire [31:0] data,
    input  wire [4:0]  shamt,
    input  wire        dir,
    input  wire [1:0]  mode,
    output reg  [31:0] out
);

    localparam MODE_LOGICAL = 2'b00;
    localparam MODE_ARITH   = 2'b01;
    localparam MODE_ROTATE  = 2'b10;

    wire [63:0] doubled   = {data, data};
    wire [63:0] rot_left  = doubled << shamt;
    wire [63:0] rot_right = doubled >> shamt;

    always @(*) begin
        case (mode)
            MODE_ARITH: begin
                if (dir)
                    out = $signed(data) >>> shamt;
                else
                    out = data << shamt;
            end
            MODE_ROTATE: begin
                if (dir)
                    out = rot_right[31:0];
                else
                    out = rot_left[63:32];
            end
            default: begin   // MODE_LOGICAL and the reserved encoding
                if (dir)
                    out = data >> shamt;
                else
                    out = data << shamt;
            end
        endcase
    end

endmodule
